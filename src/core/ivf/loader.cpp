// Batched, multi-threaded IVF bulk load (see loader.h).
#include "vectorx/ivf/loader.h"

#include <algorithm>

#include "vectorx/threads.h"

namespace vectorx::ivf {

namespace {
constexpr size_t kRowsPerBlock = 256;  // rows a thread takes at a time: one matrix product
}

BatchLoader::BatchLoader(IvfIndex& index, const Entries& entries, unsigned threads, size_t batch_rows,
                         std::function<void()> check)
    : index_(index),
      entries_(entries),
      threads_(std::max(threads, 1u)),
      batch_rows_(std::max<size_t>(batch_rows, 1)),
      value_bytes_(value_bytes(index.space())),
      check_(std::move(check)),
      centres_(index.shared_centres()),
      nearest_(index.space(), centres_->values.data(), index.lists()) {
  values_.reserve(batch_rows_ * value_bytes_);
  tids_.reserve(batch_rows_);
}

void BatchLoader::add(const uint8_t* value, HeapTid tid) {
  values_.insert(values_.end(), value, value + value_bytes_);
  tids_.push_back(tid);
  if (tids_.size() >= batch_rows_) flush();
}

void BatchLoader::compute(size_t first, size_t count, std::vector<float>& scratch) {
  nearest_.find(values_.data() + first * value_bytes_, count, lists_.data() + first);
  for (size_t row = first; row < first + count; ++row)
    entries_.encode_to(values_.data() + row * value_bytes_, lists_[row], entries_out_.data() + row * entries_.entry_bytes(),
                       scratch.data());
}

void BatchLoader::flush() {
  const size_t n = tids_.size();
  if (n == 0) return;
  lists_.resize(n);
  entries_out_.resize(n * entries_.entry_bytes());
  const size_t dim = static_cast<size_t>(index_.space().dim());
  for_each_block((n + kRowsPerBlock - 1) / kRowsPerBlock, threads_, [&](size_t block) {
    std::vector<float> scratch(dim);
    const size_t first = block * kRowsPerBlock;
    compute(first, std::min(n, first + kRowsPerBlock) - first, scratch);
  }, check_);
  for (size_t row = 0; row < n; ++row)
    index_.insert(lists_[row], entries_out_.data() + row * entries_.entry_bytes(), tids_[row]);
  loaded_ += n;
  values_.clear();
  tids_.clear();
}

}  // namespace vectorx::ivf
