// Bulk loading of a new IVF index: values are collected in batches; for each batch the
// nearest list and the entry of every value are computed on several threads (pure C++ on
// copies, see threads.h), then the entries are appended on the caller's thread in input
// order, so the index is the same whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/index.h"
#include "vectorx/ivf/nearest_centres.h"

namespace vectorx::ivf {

class BatchLoader {
 public:
  // `check` runs on the caller's thread now and then while a batch is computed (interrupts).
  BatchLoader(IvfIndex& index, const Entries& entries, unsigned threads, size_t batch_rows,
              std::function<void()> check = {});

  // Copies a value (value_bytes(space) bytes); a full batch is loaded at once.
  void add(const uint8_t* value, HeapTid tid);
  // Loads what is collected.
  void flush();
  size_t loaded() const { return loaded_; }

 private:
  // Lists and entries of rows first .. first + count - 1 of the batch.
  void compute(size_t first, size_t count, std::vector<float>& scratch);

  IvfIndex& index_;
  const Entries& entries_;
  unsigned threads_;
  size_t batch_rows_, value_bytes_;
  std::function<void()> check_;
  std::shared_ptr<const Centres> centres_;
  NearestCentres nearest_;  // over *centres_
  std::vector<uint8_t> values_, entries_out_;
  std::vector<HeapTid> tids_;
  std::vector<uint32_t> lists_;
  size_t loaded_ = 0;
};

}  // namespace vectorx::ivf
