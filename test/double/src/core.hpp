// The envelope every export of the runtime double shares: error strings and their
// accounting, output buffers, cancellation ids, handle registries, fault injection.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "json.hpp"

#define MSB_EXPORT extern "C" __attribute__((visibility("default")))

typedef uint64_t Handle;

namespace msbd {

// A runtime error with its ABI kind (docs/runtime-abi.md §1.3).
struct MsbError {
  std::string kind;
  std::string message;
};
[[noreturn]] void fail(const std::string& kind, const std::string& message);

// Thrown by cancellable waits when the call's token fired.
struct Cancelled {};

// Something a blocked call can wait on; a fired token wakes every registered waitable.
struct Waitable {
  std::mutex m;
  std::condition_variable cv;
  void notify() {
    std::lock_guard<std::mutex> g(m);
    cv.notify_all();
  }
};
using WaitableP = std::shared_ptr<Waitable>;

class Token {
 public:
  void fire();
  bool fired() const { return fired_.load(); }
  void add(const WaitableP& w);
  void remove(const WaitableP& w);

 private:
  std::atomic<bool> fired_{false};
  std::mutex m_;
  std::vector<std::weak_ptr<Waitable>> waiters_;
};
using TokenP = std::shared_ptr<Token>;

int64_t now_ms();        // wall clock, ms since epoch
int64_t mono_ms();       // monotonic clock, ms

// Waits on w->cv (lk holds w->m) until pred() holds. Returns true when pred holds,
// false when timeout_ms (>= 0) elapsed; throws Cancelled when tok (may be null) fires.
// With lost_race, a token fired before an item that is already there and winning the
// race (see loses_race) sets *lost_race and returns true instead of throwing: the
// receives answer `cancelled` through Call::lost_race at the cost the real runtime's
// select! has (no C++ unwinding on a path taken for half the receives of a drain).
bool wait_on(std::unique_lock<std::mutex>& lk, const WaitableP& w, Token* tok, int64_t timeout_ms,
             const std::function<bool()>& pred, bool* lost_race = nullptr);
// Cancellable sleep; throws Cancelled.
void sleep_ms(Token* tok, int64_t ms);
// Blocks until tok fires (throws Cancelled); tok must not be null.
void sleep_forever(Token* tok);

// The context of one native call.
struct Call {
  const char* fn;
  Token* token;  // null for calls without a cancel id
  int64_t hold_ms = 0;
  // Set by a receive whose pre-fired token won over an item already there: the call
  // answers `cancelled` (the item stays queued) whatever the body returned.
  bool lost_race = false;
  void check_cancel() const {
    if (token && token->fired()) throw Cancelled{};
  }
};

enum class CidMode { Use, Ignore, None };

// Runs one shape A/B/C export: cancel-id protocol, fault injection, error envelope,
// buffer protocol. body returns the JSON result.
char* run_call(const char* fn, CidMode mode, uint64_t cid, unsigned char* buf, uintptr_t len,
               const std::function<Json(Call&)>& body);
// Shape D (agent) exports: no output buffer; the body writes through out-pointers.
char* run_raw(const char* fn, uint64_t cid, bool use_cid, const std::function<void(Call&)>& body);
// Frees-accounted error string.
char* make_error(const std::string& kind, const std::string& message);

// Input helpers (throw invalid_argument as the real library does).
std::string arg_str(const char* p);
Json arg_json(const char* p);                      // required JSON document
Json arg_json_opt(const char* p, bool empty_ok);  // null pointer (or "" when empty_ok) => {}
void check_out_ptr(const void* p);

// Agent byte buffers (shape D), accounted like error strings.
unsigned char* alloc_bytes(const std::string& bytes, uintptr_t* out_len);
void free_bytes(unsigned char* p, uintptr_t len);

// Handle registries: independent counters from 1, never reused.
class RegistryBase {
 public:
  explicit RegistryBase(const char* name);
  virtual ~RegistryBase() = default;
  virtual size_t count() = 0;
  const char* name() const { return name_; }

 private:
  const char* name_;
};

template <class T>
class Registry : public RegistryBase {
 public:
  explicit Registry(const char* name) : RegistryBase(name) {}
  uint64_t insert(std::shared_ptr<T> v) {
    std::lock_guard<std::mutex> g(m_);
    uint64_t h = next_++;
    items_[h] = std::move(v);
    return h;
  }
  std::shared_ptr<T> get(uint64_t h) {
    std::lock_guard<std::mutex> g(m_);
    auto it = items_.find(h);
    if (it == items_.end()) fail("invalid_handle", "unknown sandbox handle: " + std::to_string(h));
    return it->second;
  }
  std::shared_ptr<T> find(uint64_t h) {
    std::lock_guard<std::mutex> g(m_);
    auto it = items_.find(h);
    return it == items_.end() ? nullptr : it->second;
  }
  std::shared_ptr<T> take(uint64_t h) {
    std::lock_guard<std::mutex> g(m_);
    auto it = items_.find(h);
    if (it == items_.end()) fail("invalid_handle", "unknown sandbox handle: " + std::to_string(h));
    auto v = std::move(it->second);
    items_.erase(it);
    return v;
  }
  std::shared_ptr<T> try_take(uint64_t h) {
    std::lock_guard<std::mutex> g(m_);
    auto it = items_.find(h);
    if (it == items_.end()) return nullptr;
    auto v = std::move(it->second);
    items_.erase(it);
    return v;
  }
  std::vector<std::pair<uint64_t, std::shared_ptr<T>>> snapshot() {
    std::lock_guard<std::mutex> g(m_);
    return {items_.begin(), items_.end()};
  }
  size_t count() override {
    std::lock_guard<std::mutex> g(m_);
    return items_.size();
  }

 private:
  std::mutex m_;
  std::map<uint64_t, std::shared_ptr<T>> items_;
  uint64_t next_ = 1;
};

// Double configuration (MSBD_CONFIG at load, msbd_control "config" at run time).
Json config_get(const std::string& key);
int64_t config_int(const std::string& key, int64_t dflt);

// Home folder of the runtime ($MSB_HOME or ~/.microsandbox).
std::string msb_home();

// A bug in the double itself (counted; tests assert zero).
void note_internal_bug(const std::string& what);

}  // namespace msbd
