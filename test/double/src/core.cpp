#include "core.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

namespace msbd {

[[noreturn]] void fail(const std::string& kind, const std::string& message) { throw MsbError{kind, message}; }

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- tokens

void Token::fire() {
  fired_.store(true);
  std::vector<std::weak_ptr<Waitable>> copy;
  {
    std::lock_guard<std::mutex> g(m_);
    copy = waiters_;
  }
  for (auto& w : copy)
    if (auto p = w.lock()) p->notify();
}
void Token::add(const WaitableP& w) {
  std::lock_guard<std::mutex> g(m_);
  waiters_.push_back(w);
}
void Token::remove(const WaitableP& w) {
  std::lock_guard<std::mutex> g(m_);
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [&](const std::weak_ptr<Waitable>& x) {
                                  auto p = x.lock();
                                  return !p || p == w;
                                }),
                 waiters_.end());
}

// Config `race_loss_percent`: how often a call whose cancel id was triggered before it
// started loses the race against an item that is already there. Default 50: the real
// runtime's unbiased select! lost about half of such races on a log stream with its items
// queued (49–59% over four runs, test/real/records.test.ts); 0 always hands over the item.
static bool loses_race() {
  int64_t percent = config_int("race_loss_percent", 50);
  if (percent <= 0) return false;
  static std::atomic<uint64_t> state{0x9E3779B97F4A7C15ull};
  uint64_t x = state.fetch_add(0x9E3779B97F4A7C15ull) + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<int64_t>(x % 100) < percent;
}

bool wait_on(std::unique_lock<std::mutex>& lk, const WaitableP& w, Token* tok, int64_t timeout_ms,
             const std::function<bool()>& pred, bool* lost_race) {
  struct Reg {
    Token* t;
    const WaitableP& w;
    Reg(Token* t, const WaitableP& w) : t(t), w(w) {
      if (t) t->add(w);
    }
    ~Reg() {
      if (t) t->remove(w);
    }
  };
  if (pred()) {
    if (tok && tok->fired() && loses_race()) {
      if (!lost_race) throw Cancelled{};
      *lost_race = true;
    }
    return true;
  }
  // Register without holding w->m (lock order: token then waitable is never nested).
  lk.unlock();
  Reg reg(tok, w);
  lk.lock();
  if (timeout_ms > 365LL * 24 * 3600 * 1000) timeout_ms = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  while (true) {
    if (pred()) return true;
    if (tok && tok->fired()) throw Cancelled{};
    if (timeout_ms < 0) {
      w->cv.wait(lk);
    } else {
      if (w->cv.wait_until(lk, deadline) == std::cv_status::timeout) {
        if (pred()) return true;
        if (tok && tok->fired()) throw Cancelled{};
        return false;
      }
    }
  }
}

void sleep_forever(Token* tok) {
  auto w = std::make_shared<Waitable>();
  std::unique_lock<std::mutex> lk(w->m);
  wait_on(lk, w, tok, -1, [] { return false; });
}

void sleep_ms(Token* tok, int64_t ms) {
  if (ms <= 0) {
    if (tok && tok->fired()) throw Cancelled{};
    return;
  }
  auto w = std::make_shared<Waitable>();
  std::unique_lock<std::mutex> lk(w->m);
  // Anything beyond a year is "forever" (and must not overflow the clock arithmetic).
  wait_on(lk, w, tok, ms > 365LL * 24 * 3600 * 1000 ? -1 : ms, [] { return false; });
}

// ---------------------------------------------------------------- accounting

namespace {

struct Accounting {
  std::mutex m;
  std::set<const void*> strings;
  uint64_t strings_allocated = 0, strings_freed = 0, strings_bad_frees = 0;
  std::map<const void*, uintptr_t> bytes;
  uint64_t bytes_allocated = 0, bytes_freed = 0, bytes_bad_frees = 0;
  std::map<std::string, uint64_t> calls;
  std::map<std::string, int64_t> in_flight;
  std::map<std::string, int64_t> max_in_flight;
  std::map<std::string, uint64_t> succeeded;
  uint64_t internal_bugs = 0;
  std::vector<std::string> bug_notes;
  std::vector<RegistryBase*> registries;
};
Accounting& acct() {
  static Accounting* a = new Accounting();
  return *a;
}

// Cancellation registry (§2).
struct CancelRegistry {
  std::mutex m;
  std::map<uint64_t, TokenP> tokens;
  uint64_t next = 1;
};
CancelRegistry& cancels() {
  static CancelRegistry* c = new CancelRegistry();
  return *c;
}

TokenP cancel_lookup(uint64_t id) {
  auto& c = cancels();
  std::lock_guard<std::mutex> g(c.m);
  auto it = c.tokens.find(id);
  return it == c.tokens.end() ? nullptr : it->second;
}
void cancel_remove(uint64_t id) {
  auto& c = cancels();
  std::lock_guard<std::mutex> g(c.m);
  c.tokens.erase(id);
}

// Fault injection.
struct Fault {
  std::string fn;
  std::string kind;
  std::string message;
  int64_t delay_ms = 0;
  int64_t hold_ms = 0;
  bool block = false;
  int64_t count = -1;  // applications left; -1 = unlimited
  int64_t skip = 0;    // matching calls to let through first
};
struct Faults {
  std::mutex m;
  std::vector<Fault> rules;
  Json config = Json::object();
};
Faults& faults() {
  static Faults* f = new Faults();
  return *f;
}

void add_fault(const Json& j) {
  Fault f;
  if (auto v = j.find("fn")) f.fn = v->as_string();
  if (auto v = j.find("kind")) f.kind = v->as_string();
  if (auto v = j.find("message")) f.message = v->as_string();
  if (auto v = j.find("delay_ms")) f.delay_ms = v->as_int();
  if (auto v = j.find("hold_ms")) f.hold_ms = v->as_int();
  if (auto v = j.find("block")) f.block = v->as_bool();
  if (auto v = j.find("count")) f.count = v->as_int();
  if (auto v = j.find("skip")) f.skip = v->as_int();
  if (f.fn.empty()) throw ParseError("fault needs fn");
  std::lock_guard<std::mutex> g(faults().m);
  faults().rules.push_back(f);
}

bool take_fault(const char* fn, Fault& out) {
  auto& F = faults();
  std::lock_guard<std::mutex> g(F.m);
  for (auto& f : F.rules) {
    if (f.fn != fn && f.fn != "*") continue;
    if (f.count == 0) continue;
    if (f.skip > 0) {
      f.skip--;
      continue;
    }
    if (f.count > 0) f.count--;
    out = f;
    return true;
  }
  return false;
}

void load_env_config() {
  const char* cfg = std::getenv("MSBD_CONFIG");
  if (cfg && *cfg) {
    try {
      Json j = Json::parse(cfg);
      for (auto& kv : j.as_object()) faults().config.set(kv.first, kv.second);
    } catch (...) {
    }
  }
  const char* fl = std::getenv("MSBD_FAULTS");
  if (fl && *fl) {
    try {
      Json j = Json::parse(fl);
      for (auto& f : j.as_array()) add_fault(f);
    } catch (...) {
    }
  }
}
struct EnvInit {
  EnvInit() { load_env_config(); }
} env_init;

Json counters_json() {
  auto& A = acct();
  Json out = Json::object();
  std::lock_guard<std::mutex> g(A.m);
  Json s = Json::object();
  s.set("allocated", A.strings_allocated);
  s.set("freed", A.strings_freed);
  s.set("outstanding", static_cast<uint64_t>(A.strings.size()));
  s.set("bad_frees", A.strings_bad_frees);
  out.set("strings", s);
  Json b = Json::object();
  b.set("allocated", A.bytes_allocated);
  b.set("freed", A.bytes_freed);
  b.set("outstanding", static_cast<uint64_t>(A.bytes.size()));
  b.set("bad_frees", A.bytes_bad_frees);
  out.set("bytes", b);
  {
    auto& C = cancels();
    std::lock_guard<std::mutex> g2(C.m);
    Json c = Json::object();
    c.set("allocated", C.next - 1);
    c.set("registered", static_cast<uint64_t>(C.tokens.size()));
    out.set("cancel_ids", c);
  }
  Json h = Json::object();
  for (auto* r : A.registries) h.set(r->name(), static_cast<uint64_t>(r->count()));
  out.set("handles", h);
  Json calls = Json::object();
  for (auto& kv : A.calls) calls.set(kv.first, kv.second);
  out.set("calls", calls);
  Json inflight = Json::object();
  for (auto& kv : A.in_flight)
    if (kv.second) inflight.set(kv.first, kv.second);
  out.set("in_flight", inflight);
  Json maxin = Json::object();
  for (auto& kv : A.max_in_flight) maxin.set(kv.first, kv.second);
  out.set("max_in_flight", maxin);
  Json ok = Json::object();
  for (auto& kv : A.succeeded) ok.set(kv.first, kv.second);
  out.set("succeeded", ok);
  out.set("internal_bugs", A.internal_bugs);
  Json notes = Json::array();
  for (auto& n : A.bug_notes) notes.push(n);
  out.set("bug_notes", notes);
  return out;
}

struct InFlight {
  const char* fn;
  explicit InFlight(const char* f) : fn(f) {
    auto& A = acct();
    std::lock_guard<std::mutex> g(A.m);
    A.calls[fn]++;
    int64_t now = ++A.in_flight[fn];
    if (now > A.max_in_flight[fn]) A.max_in_flight[fn] = now;
  }
  ~InFlight() {
    auto& A = acct();
    std::lock_guard<std::mutex> g(A.m);
    A.in_flight[fn]--;
  }
};

char* write_out(const std::string& json, unsigned char* buf, uintptr_t len) {
  if (json.size() + 1 > len)
    return make_error("buffer_too_small", "output buffer too small: need " + std::to_string(json.size() + 1) +
                                              ", have " + std::to_string(len));
  std::memcpy(buf, json.data(), json.size());
  buf[json.size()] = 0;
  return nullptr;
}

}  // namespace

RegistryBase::RegistryBase(const char* name) : name_(name) {
  auto& A = acct();
  std::lock_guard<std::mutex> g(A.m);
  A.registries.push_back(this);
}

void note_internal_bug(const std::string& what) {
  auto& A = acct();
  std::lock_guard<std::mutex> g(A.m);
  A.internal_bugs++;
  if (A.bug_notes.size() < 32) A.bug_notes.push_back(what);
}

char* make_error(const std::string& kind, const std::string& message) {
  std::string msg;
  msg.reserve(message.size());
  for (char c : message)
    if (c != 0) msg += c;
  std::string text = "{\"kind\":\"" + kind + "\",\"message\":" + json_quote(msg) + "}";
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  std::memcpy(p, text.c_str(), text.size() + 1);
  auto& A = acct();
  std::lock_guard<std::mutex> g(A.m);
  A.strings.insert(p);
  A.strings_allocated++;
  return p;
}

unsigned char* alloc_bytes(const std::string& bytes, uintptr_t* out_len) {
  *out_len = bytes.size();
  if (bytes.empty()) return nullptr;
  auto* p = static_cast<unsigned char*>(std::malloc(bytes.size()));
  std::memcpy(p, bytes.data(), bytes.size());
  auto& A = acct();
  std::lock_guard<std::mutex> g(A.m);
  A.bytes[p] = bytes.size();
  A.bytes_allocated++;
  return p;
}

void free_bytes(unsigned char* p, uintptr_t len) {
  if (!p) return;
  auto& A = acct();
  {
    std::lock_guard<std::mutex> g(A.m);
    auto it = A.bytes.find(p);
    if (it == A.bytes.end() || it->second != len) {
      A.bytes_bad_frees++;
      return;
    }
    A.bytes.erase(it);
    A.bytes_freed++;
  }
  std::free(p);
}

std::string arg_str(const char* p) {
  if (!p) fail("invalid_argument", "null pointer argument");
  size_t n = std::strlen(p);
  if (!valid_utf8(p, n)) fail("invalid_argument", "invalid UTF-8: invalid utf-8 sequence");
  return std::string(p, n);
}

Json arg_json(const char* p) {
  std::string s = arg_str(p);
  try {
    return Json::parse(s);
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid opts JSON: ") + e.what());
  }
}

Json arg_json_opt(const char* p, bool empty_ok) {
  if (!p) return Json::object();
  std::string s = arg_str(p);
  if (empty_ok && s.empty()) return Json::object();
  try {
    return Json::parse(s);
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid opts JSON: ") + e.what());
  }
}

void check_out_ptr(const void* p) {
  if (!p) fail("invalid_argument", "null output pointer argument");
}

Json config_get(const std::string& key) {
  auto& F = faults();
  std::lock_guard<std::mutex> g(F.m);
  if (auto v = F.config.find(key)) return *v;
  return Json();
}
int64_t config_int(const std::string& key, int64_t dflt) {
  Json v = config_get(key);
  if (v.is_number()) return v.as_int();
  return dflt;
}

std::string msb_home() {
  const char* h = std::getenv("MSB_HOME");
  if (h && *h) return h;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.microsandbox";
}

static char* finish(const char* fn, Call& call, const std::function<Json(Call&)>& body, unsigned char* buf,
                    uintptr_t len) {
  try {
    Fault f;
    if (take_fault(fn, f)) {
      if (f.delay_ms > 0) sleep_ms(call.token, f.delay_ms);
      if (f.block) {
        if (!call.token) fail("internal", "runtime double: block fault on a call without a cancel id");
        sleep_forever(call.token);
      }
      if (!f.kind.empty()) return make_error(f.kind, f.message.empty() ? "injected fault" : f.message);
      call.hold_ms = f.hold_ms;
    }
    Json result = body(call);
    if (call.lost_race) return make_error("cancelled", "cancelled");
    if (call.hold_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(call.hold_ms));
    {
      auto& A = acct();
      std::lock_guard<std::mutex> g(A.m);
      A.succeeded[fn]++;
    }
    return write_out(result.dump(), buf, len);
  } catch (const MsbError& e) {
    return make_error(e.kind, e.message);
  } catch (const Cancelled&) {
    return make_error("cancelled", "cancelled");
  } catch (const ParseError& e) {
    return make_error("invalid_argument", e.what());
  } catch (const std::exception& e) {
    note_internal_bug(std::string(fn) + ": " + e.what());
    return make_error("internal", std::string("runtime double bug: ") + e.what());
  }
}

char* run_call(const char* fn, CidMode mode, uint64_t cid, unsigned char* buf, uintptr_t len,
               const std::function<Json(Call&)>& body) {
  InFlight inflight(fn);
  Call call{fn, nullptr};
  if (mode == CidMode::Use) {
    TokenP tok = cancel_lookup(cid);
    if (!tok) return make_error("internal", "cancel token not found");
    call.token = tok.get();
    char* r = finish(fn, call, body, buf, len);
    cancel_remove(cid);
    return r;
  }
  if (mode == CidMode::Ignore) {
    cancel_remove(cid);
  }
  return finish(fn, call, body, buf, len);
}

char* run_raw(const char* fn, uint64_t cid, bool use_cid, const std::function<void(Call&)>& body) {
  InFlight inflight(fn);
  Call call{fn, nullptr};
  TokenP tok;
  if (use_cid) {
    tok = cancel_lookup(cid);
    if (!tok) return make_error("internal", "cancel token not found");
    call.token = tok.get();
  }
  char* r = nullptr;
  try {
    Fault f;
    if (take_fault(fn, f)) {
      if (f.delay_ms > 0) sleep_ms(call.token, f.delay_ms);
      if (f.block && call.token) sleep_forever(call.token);
      if (!f.kind.empty()) throw MsbError{f.kind, f.message.empty() ? "injected fault" : f.message};
    }
    body(call);
  } catch (const MsbError& e) {
    r = make_error(e.kind, e.message);
  } catch (const Cancelled&) {
    r = make_error("cancelled", "cancelled");
  } catch (const ParseError& e) {
    r = make_error("invalid_argument", e.what());
  } catch (const std::exception& e) {
    note_internal_bug(std::string(fn) + ": " + e.what());
    r = make_error("internal", std::string("runtime double bug: ") + e.what());
  }
  if (use_cid) cancel_remove(cid);
  return r;
}

}  // namespace msbd

using namespace msbd;

// ---------------------------------------------------------------- §5.1 infrastructure

MSB_EXPORT void msb_free_string(char* ptr) {
  if (!ptr) return;
  auto& A = acct();
  {
    std::lock_guard<std::mutex> g(A.m);
    auto it = A.strings.find(ptr);
    if (it == A.strings.end()) {
      // Freeing twice (or a foreign pointer) is undefined behaviour in the real
      // library; the double records it instead so tests can assert zero.
      A.strings_bad_frees++;
      return;
    }
    A.strings.erase(it);
    A.strings_freed++;
  }
  std::free(ptr);
}

static std::mutex g_msb_path_m;
static std::string g_msb_path;
static bool g_msb_path_set = false;

MSB_EXPORT void msb_set_sdk_msb_path(const char* path) {
  if (!path) return;
  size_t n = std::strlen(path);
  if (!valid_utf8(path, n)) return;
  std::lock_guard<std::mutex> g(g_msb_path_m);
  if (g_msb_path_set) return;
  g_msb_path = std::string(path, n);
  g_msb_path_set = true;
}

MSB_EXPORT uint64_t msb_cancel_alloc(void) {
  auto& c = cancels();
  std::lock_guard<std::mutex> g(c.m);
  uint64_t id = c.next++;
  c.tokens[id] = std::make_shared<Token>();
  return id;
}

MSB_EXPORT void msb_cancel_trigger(uint64_t id) {
  TokenP t = cancel_lookup(id);
  if (t) t->fire();
}

MSB_EXPORT void msb_cancel_unregister(uint64_t id) { cancel_remove(id); }

// ---------------------------------------------------------------- §5.2 version and backend

MSB_EXPORT char* msb_version(unsigned char* buf, uintptr_t len) {
  return run_call("msb_version", CidMode::None, 0, buf, len, [](Call&) {
    Json o = Json::object();
    o.set("version", "0.6.14");
    return o;
  });
}

MSB_EXPORT char* msb_default_backend_info(unsigned char* buf, uintptr_t len) {
  return run_call("msb_default_backend_info", CidMode::None, 0, buf, len, [](Call&) {
    Json o = Json::object();
    o.set("kind", "local");
    const char* b = std::getenv("MSB_BACKEND");
    o.set("source", b && *b ? "MSB_BACKEND" : "default");
    return o;
  });
}

// ---------------------------------------------------------------- double-only control

// msbd_control: the double's own export (not part of the runtime ABI). Requests:
//   {"op":"counters"}                     accounting snapshot
//   {"op":"fault", "fn":..., "kind"?, "message"?, "delay_ms"?, "hold_ms"?, "block"?, "count"?, "skip"?}
//   {"op":"clear_faults"}
//   {"op":"config", "set": {...}}         e.g. boot_delay_ms, boot_fail
//   {"op":"msb_path"}                     what msb_set_sdk_msb_path recorded
MSB_EXPORT char* msbd_control(const char* request, unsigned char* buf, uintptr_t len) {
  std::string req = request ? request : "";
  try {
    Json j = Json::parse(req);
    std::string op = j.find("op") ? j.find("op")->as_string() : "";
    Json out = Json::object();
    if (op == "counters") {
      out = counters_json();
    } else if (op == "fault") {
      add_fault(j);
      out.set("ok", true);
    } else if (op == "clear_faults") {
      std::lock_guard<std::mutex> g(faults().m);
      faults().rules.clear();
      out.set("ok", true);
    } else if (op == "config") {
      if (auto s = j.find("set")) {
        std::lock_guard<std::mutex> g(faults().m);
        for (auto& kv : s->as_object()) {
          if (kv.second.is_null()) faults().config.erase(kv.first);
          else faults().config.set(kv.first, kv.second);
        }
      }
      std::lock_guard<std::mutex> g(faults().m);
      out = faults().config;
    } else if (op == "reset_max_in_flight") {
      auto& A = acct();
      std::lock_guard<std::mutex> g(A.m);
      A.max_in_flight.clear();
      out.set("ok", true);
    } else if (op == "msb_path") {
      std::lock_guard<std::mutex> g(g_msb_path_m);
      out.set("path", g_msb_path_set ? Json(g_msb_path) : Json());
    } else {
      return make_error("invalid_argument", "msbd_control: unknown op '" + op + "'");
    }
    std::string s = out.dump();
    if (s.size() + 1 > len) return make_error("buffer_too_small", "output buffer too small");
    std::memcpy(buf, s.c_str(), s.size() + 1);
    return nullptr;
  } catch (const std::exception& e) {
    return make_error("invalid_argument", std::string("msbd_control: ") + e.what());
  }
}
