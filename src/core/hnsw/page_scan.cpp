// PageGraph::Scan (page_graph.h): a query's best-first search at level 0 in batches.
#include <cmath>

#include "page_graph_internal.h"

namespace vectorx::hnsw {
namespace {

template <class T>
void heap_push_min(std::vector<T>& h, const T& x) {
  h.push_back(x);
  std::push_heap(h.begin(), h.end(), std::greater<T>());
}
template <class T>
T heap_pop_min(std::vector<T>& h) {
  std::pop_heap(h.begin(), h.end(), std::greater<T>());
  T x = h.back();
  h.pop_back();
  return x;
}
template <class T>
void heap_push_max(std::vector<T>& h, const T& x) {
  h.push_back(x);
  std::push_heap(h.begin(), h.end());
}
template <class T>
T heap_pop_max(std::vector<T>& h) {
  std::pop_heap(h.begin(), h.end());
  T x = h.back();
  h.pop_back();
  return x;
}

}  // namespace

PageGraph::Scan::Scan(PageGraph& graph, const uint8_t* query, size_t length, const Limits& limits, CodeCache* codes)
    : graph_(graph), query_(query, query + length), limits_(limits), view_(std::make_unique<View>(graph)) {
  graph.check_value(query, length);
  limits_.ef = std::max<size_t>(limits_.ef, 1);
  view_->set_query(query_.data());
  if (codes && !limits_.more_batches) view_->use_codes(codes);
}

PageGraph::Scan::~Scan() = default;

size_t PageGraph::Scan::memory_bytes() const {
  return view_->visited().memory_bytes() + (frontier_.capacity() + best_.capacity() + discarded_.capacity()) * sizeof(C);
}

void PageGraph::Scan::discard(const C& c) {
  if (limits_.more_batches) heap_push_min(discarded_, c);
}

// Best-first expansion at level 0 until the nearest unexpanded candidate is farther than the
// ef-th best not yet returned; everything evaluated and not kept in best_ goes to discarded_.
// The iterative scan's bounds are checked once the batch is complete, as pgvector does: a
// batch is never cut short, and none follows once a bound is reached.
void PageGraph::Scan::expand() {
  View& v = *view_;
  while (!frontier_.empty()) {
    if (best_.size() >= limits_.ef && frontier_.front().distance > best_.front().distance) break;
    const C current = heap_pop_min(frontier_);
    if (auto* s = v.visited().find(current.id)) s->expanded = true;
    if (!frontier_.empty()) v.expect_expansion(frontier_.front().id);
    v.for_each_new_neighbor(current.id, [&](Id n) {
      ++visited_;
      C c{0, n};
      if (!v.query_key(n, &c.distance)) return;
      // A code's estimate too near the ef-th best key to tell which side it is on: the
      // element's page decides.
      if (best_.size() >= limits_.ef && v.uncertain(c.distance, best_.front().distance) && !v.measure(n, &c.distance))
        return;
      if (best_.size() < limits_.ef || c.distance < best_.front().distance) {
        heap_push_min(frontier_, c);
        heap_push_max(best_, c);
        if (best_.size() > limits_.ef) discard(heap_pop_max(best_));
      } else {
        discard(c);
      }
    });
    if (v.uses_codes()) take_measured_key(current.id, v.measured_key());
  }
  limit_reached_ = visited_ >= limits_.max_visited || memory_bytes() >= limits_.max_memory_bytes;
}

// With codes, an expanded element's page was read and its exact key measured: it replaces
// the estimate it holds in best_, so the nearest candidates are kept by their true keys.
void PageGraph::Scan::take_measured_key(Id id, double key) {
  if (std::isnan(key)) return;
  const auto it = std::find_if(best_.begin(), best_.end(), [&](const C& c) { return c.id == id; });
  if (it == best_.end()) return;
  // The one changed key moves to its place in the max-heap: up when it grew, else down.
  size_t i = static_cast<size_t>(it - best_.begin());
  const bool grew = best_[i].distance < key;
  best_[i].distance = key;
  if (grew) {
    for (; i > 0 && best_[(i - 1) / 2] < best_[i]; i = (i - 1) / 2) std::swap(best_[i], best_[(i - 1) / 2]);
    return;
  }
  for (size_t child; (child = 2 * i + 1) < best_.size(); i = child) {
    if (child + 1 < best_.size() && best_[child] < best_[child + 1]) ++child;
    if (!(best_[i] < best_[child])) return;
    std::swap(best_[i], best_[child]);
  }
}

void PageGraph::Scan::emit(std::vector<Result>& out) {
  double bound = std::numeric_limits<double>::infinity();
  if (limits_.strict && !limit_reached_) {
    if (!frontier_.empty()) bound = frontier_.front().distance;
    if (!discarded_.empty()) bound = std::min(bound, discarded_.front().distance);
  }
  std::vector<C> batch;
  while (!best_.empty()) {
    const C c = heap_pop_max(best_);
    if (c.distance > bound)
      heap_push_min(discarded_, c);  // a later batch may still find something nearer
    else
      batch.push_back(c);
  }
  // Keys may be approximations (View::key): the distances returned are then computed again
  // and the batch put in their order.
  const bool recompute = view_->approximate_keys();
  std::vector<std::pair<double, VisitedTable::Slot>> found;
  for (size_t i = batch.size(); i-- > 0;) {
    auto* s = view_->visited().find(batch[i].id);
    if (!s || (s->flags & (kDead | kFree | VisitedTable::kUnusable))) continue;
    double distance = graph_.space_.distance_from_key(batch[i].distance);
    if (recompute && !view_->exact_distance(*s, &distance)) continue;  // freed since: its rows were dead
    found.push_back({distance, *s});
  }
  if (recompute)
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return nearer(a.first, b.first); });
  for (const auto& element : found) {
    const double distance = element.first;
    view_->for_each_row(element.second.tid(), element.second.rows, [&](HeapTid tid) { out.push_back({distance, tid}); });
  }
}

bool PageGraph::Scan::next_batch(std::vector<Result>& out) {
  View& v = *view_;
  if (!started_) {
    started_ = true;
    const EntryPoint<Id> ep = graph_.entry_point();
    if (ep.level < 0) return false;
    auto nearest = descend(v, ep, 0, v);
    // Level 0 starts from where the descent ended and from the entry point itself: everything
    // the entry point's level-0 lists lead to (what VACUUM keeps reachable) can then be found.
    nearest.push_back({0, ep.id});
    v.clear();
    for (const C& c : nearest) {
      if (!v.insert(c.id)) continue;
      ++visited_;
      C e{0, c.id};
      if (!v.query_key(c.id, &e.distance)) continue;  // also records the entry's heap row and flags
      heap_push_min(frontier_, e);
      heap_push_max(best_, e);
    }
    while (best_.size() > limits_.ef) discard(heap_pop_max(best_));
  } else {
    if (limit_reached_) return false;
    // Refill best_ from the nearest discarded candidates; unexpanded ones go back to the frontier.
    while (best_.size() < limits_.ef && !discarded_.empty()) {
      const C c = heap_pop_min(discarded_);
      heap_push_max(best_, c);
      const auto* s = v.visited().find(c.id);
      if (s && !s->expanded) heap_push_min(frontier_, c);
    }
    if (best_.empty()) return false;
  }
  expand();
  const size_t before = out.size();
  emit(out);
  return out.size() > before || !discarded_.empty() || !frontier_.empty();
}

}  // namespace vectorx::hnsw
