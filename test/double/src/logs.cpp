// §5.9: logs of the runtime double. exec.log (stdout/stderr/output, written by the VM)
// and runtime.log (system markers) are JSON lines {source, session_id, timestamp_ms,
// data_b64} in the sandbox's log folder. A cursor is base64 of one count byte then, per
// log file, 16 bytes: the file's index and the byte offset just past the last entry
// delivered from it (little endian), so a resumed stream neither repeats nor skips.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <thread>

#include "sandbox.hpp"

using namespace msbd;

namespace {

const char* kFiles[] = {"exec.log", "runtime.log"};
constexpr int kNumFiles = 2;

struct Entry {
  Json doc;  // source, session_id, timestamp_ms, data_b64
  int file = 0;
  uint64_t end = 0;  // offset just past this entry's line
  int64_t ts = 0;
  std::string source;
};

struct Filters {
  std::vector<std::string> sources;
  bool has_since = false, has_until = false, has_tail = false;
  int64_t since = 0, until = 0;
  uint64_t tail = 0;
  bool follow = false;
  bool has_cursor = false;
  uint64_t pos[kNumFiles] = {0, 0};
};

bool wants(const Filters& f, const std::string& source) {
  return std::find(f.sources.begin(), f.sources.end(), source) != f.sources.end();
}
bool wants_file(const Filters& f, int file) {
  if (file == 1) return wants(f, "system");
  return wants(f, "stdout") || wants(f, "stderr") || wants(f, "output");
}

std::string encode_cursor(const uint64_t pos[kNumFiles]) {
  std::string raw(1, static_cast<char>(kNumFiles));
  for (int i = 0; i < kNumFiles; i++) {
    uint64_t id = static_cast<uint64_t>(i), off = pos[i];
    for (int b = 0; b < 8; b++) raw += static_cast<char>((id >> (8 * b)) & 0xff);
    for (int b = 0; b < 8; b++) raw += static_cast<char>((off >> (8 * b)) & 0xff);
  }
  return base64_encode(raw);
}

void decode_cursor(const std::string& cursor, uint64_t pos[kNumFiles]) {
  std::string raw;
  try {
    raw = base64_decode(cursor);
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid from_cursor: ") + e.what());
  }
  if (raw.empty() || static_cast<unsigned char>(raw[0]) != kNumFiles || raw.size() != 1 + 16 * kNumFiles)
    fail("invalid_argument", "invalid from_cursor: malformed cursor record");
  for (int i = 0; i < kNumFiles; i++) {
    uint64_t id = 0, off = 0;
    for (int b = 0; b < 8; b++) id |= static_cast<uint64_t>(static_cast<unsigned char>(raw[1 + 16 * i + b])) << (8 * b);
    for (int b = 0; b < 8; b++) off |= static_cast<uint64_t>(static_cast<unsigned char>(raw[9 + 16 * i + b])) << (8 * b);
    if (id >= kNumFiles) fail("invalid_argument", "invalid from_cursor: unknown log file");
    pos[id] = off;
  }
}

Filters parse_filters(const Json& j, bool stream) {
  Filters f;
  try {
    if (auto s = j.find("sources"))
      if (!s->is_null())
        for (auto& v : s->as_array()) {
          std::string src = v.as_string();
          if (src != "stdout" && src != "stderr" && src != "output" && src != "system")
            fail("invalid_argument", "invalid log source: " + src);
          f.sources.push_back(src);
        }
    if (f.sources.empty()) f.sources = {"stdout", "stderr", "output"};
    if (auto v = j.find("since_ms"))
      if (!v->is_null()) {
        if (!v->is_integer()) fail("invalid_argument", "invalid since_ms timestamp");
        f.has_since = true;
        f.since = v->as_int();
      }
    if (auto v = j.find("until_ms"))
      if (!v->is_null()) {
        if (!v->is_integer()) fail("invalid_argument", "invalid until_ms timestamp");
        f.has_until = true;
        f.until = v->as_int();
      }
    if (!stream)
      if (auto v = j.find("tail"))
        if (!v->is_null()) {
          f.has_tail = true;
          f.tail = v->as_uint();
        }
    if (stream) {
      if (auto v = j.find("follow")) f.follow = !v->is_null() && v->as_bool();
      if (auto v = j.find("from_cursor"))
        if (!v->is_null()) {
          if (f.has_since) fail("invalid_argument", "since_ms and from_cursor are mutually exclusive");
          f.has_cursor = true;
          decode_cursor(v->as_string(), f.pos);
        }
    }
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid log options JSON: ") + e.what());
  }
  if ((f.has_since && f.since < 0) || (f.has_until && f.until < 0)) fail("invalid_argument", "invalid log timestamp");
  return f;
}

// Reads complete lines of one log file from `from`; returns entries with end offsets.
// With `limit`, stops reading once that many bytes hold at least one complete line, so a
// stream walks a large log in bounded steps (the runtime seeks and reads as it goes)
// instead of holding the whole file.
std::vector<Entry> read_file_from(const std::string& dir, int file, uint64_t from, size_t limit = SIZE_MAX) {
  std::vector<Entry> out;
  int fd = ::open((dir + "/" + kFiles[file]).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  std::string data;
  char buf[65536];
  if (::lseek(fd, static_cast<off_t>(from), SEEK_SET) < 0) {
    ::close(fd);
    return out;
  }
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() >= limit && data.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    if (nl == std::string::npos) break;  // a partial line is not an entry yet
    std::string line = data.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    try {
      Entry e;
      e.doc = Json::parse(line);
      e.file = file;
      e.end = from + start;
      e.ts = e.doc.find("timestamp_ms")->as_int();
      e.source = e.doc.find("source")->as_string();
      out.push_back(std::move(e));
    } catch (...) {
    }
  }
  return out;
}

std::string checked_log_dir(const std::string& name) {
  validate_name(name);
  std::string dir = log_dir(name);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail("sandbox_not_found", "sandbox not found: " + name);
  return dir;
}

Json entry_json(const Entry& e, const uint64_t pos[kNumFiles]) {
  Json o = Json::object();
  o.set("source", e.source);
  o.set("session_id", *e.doc.find("session_id"));
  o.set("timestamp_ms", e.ts);
  o.set("data_b64", *e.doc.find("data_b64"));
  o.set("cursor", encode_cursor(pos));
  return o;
}

Json read_logs(const std::string& name, const Json& opts) {
  Filters f = parse_filters(opts, false);
  std::string dir = checked_log_dir(name);
  std::vector<Entry> all;
  for (int i = 0; i < kNumFiles; i++) {
    if (!wants_file(f, i)) continue;
    for (auto& e : read_file_from(dir, i, 0)) all.push_back(std::move(e));
  }
  std::stable_sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
  // Cursor of each entry: the positions reached once it is delivered in this order.
  std::vector<std::pair<const Entry*, std::array<uint64_t, kNumFiles>>> kept;
  uint64_t pos[kNumFiles] = {0, 0};
  for (auto& e : all) {
    pos[e.file] = e.end;
    if (!wants(f, e.source)) continue;
    if (f.has_since && e.ts < f.since) continue;
    if (f.has_until && e.ts >= f.until) continue;
    kept.push_back({&e, {pos[0], pos[1]}});
  }
  size_t first = f.has_tail && kept.size() > f.tail ? kept.size() - f.tail : 0;
  Json arr = Json::array();
  for (size_t i = first; i < kept.size(); i++) arr.push(entry_json(*kept[i].first, kept[i].second.data()));
  return arr;
}

// ------------------------------------------------------------ log streams

struct LogStream : ItemStream {};
Registry<LogStream>& g_logs = *new Registry<LogStream>("log");
constexpr size_t kQueue = 16;  // the runtime's bounded queue
constexpr size_t kReadStep = 256 * 1024;  // bytes a stream reads from a log file at a time

void run_reader(std::shared_ptr<LogStream> s, std::string dir, Filters f) {
  int64_t error_after = config_int("log_stream_error_after", -1);
  int64_t delivered = 0;
  auto push = [&](bool error, Json payload) -> bool {
    std::unique_lock<std::mutex> lk(s->w->m);
    s->w->cv.wait(lk, [&] { return s->items.size() < kQueue || s->closed.load(); });
    if (s->closed.load()) return false;
    s->items.push_back({error, std::move(payload)});
    s->w->cv.notify_all();
    return true;
  };
  auto finish = [&] {
    std::lock_guard<std::mutex> g(s->w->m);
    s->done = true;
    s->w->cv.notify_all();
  };
  uint64_t pos[kNumFiles] = {f.pos[0], f.pos[1]};
  // One entry; false once the stream must end (closed, `until` passed, injected error).
  auto deliver = [&](const Entry& e) -> bool {
    if (!wants(f, e.source)) return true;
    if (f.has_since && e.ts < f.since) return true;
    if (f.has_until && e.ts >= f.until) return false;
    if (error_after >= 0 && delivered == error_after) {
      Json err = Json::object();
      err.set("kind", "internal");
      err.set("message", "log reader fell behind log rotation");
      push(true, err);
      return false;
    }
    if (!push(false, entry_json(e, pos))) return false;
    delivered++;
    return true;
  };
  while (!s->closed.load()) {
    bool any = false;
    // Each file to its current end before the next (file after file, as the runtime
    // reads), in steps of kReadStep bytes.
    for (int i = 0; i < kNumFiles && !s->closed.load(); i++) {
      if (!wants_file(f, i)) continue;
      while (!s->closed.load()) {
        std::vector<Entry> step = read_file_from(dir, i, pos[i], kReadStep);
        if (step.empty()) break;
        any = true;
        for (auto& e : step) {
          pos[e.file] = e.end;
          if (!deliver(e)) {
            finish();
            return;
          }
        }
      }
    }
    if (!f.follow && !any) break;
    if (!any) {
      std::unique_lock<std::mutex> lk(s->w->m);
      s->w->cv.wait_for(lk, std::chrono::milliseconds(25), [&] { return s->closed.load(); });
    }
  }
  finish();
}

uint64_t open_stream(const std::string& name, const Json& opts) {
  Filters f = parse_filters(opts, true);
  std::string dir = checked_log_dir(name);
  auto s = std::make_shared<LogStream>();
  uint64_t h = g_logs.insert(s);
  std::thread(run_reader, s, dir, f).detach();
  return h;
}

Json stream_result(uint64_t h) {
  Json o = Json::object();
  o.set("stream_handle", h);
  return o;
}

}  // namespace

MSB_EXPORT char* msb_sandbox_logs(uint64_t cid, uint64_t h, const char* opts_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_logs", CidMode::Use, cid, buf, len, [&](Call&) {
    Json opts = arg_json_opt(opts_p, false);
    return read_logs(g_sandboxes.get(h)->name, opts);
  });
}

MSB_EXPORT char* msb_sandbox_handle_logs(uint64_t cid, const char* name_p, const char* opts_p, unsigned char* buf,
                                         uintptr_t len) {
  return run_call("msb_sandbox_handle_logs", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    Json opts = arg_json_opt(opts_p, false);
    return read_logs(name, opts);
  });
}

MSB_EXPORT char* msb_sandbox_log_stream(uint64_t cid, uint64_t h, const char* opts_p, unsigned char* buf,
                                        uintptr_t len) {
  return run_call("msb_sandbox_log_stream", CidMode::Use, cid, buf, len, [&](Call&) {
    Json opts = arg_json_opt(opts_p, false);
    return stream_result(open_stream(g_sandboxes.get(h)->name, opts));
  });
}

MSB_EXPORT char* msb_sandbox_handle_log_stream(uint64_t cid, const char* name_p, const char* opts_p,
                                               unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_log_stream", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    Json opts = arg_json_opt(opts_p, false);
    return stream_result(open_stream(name, opts));
  });
}

MSB_EXPORT char* msb_log_recv(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_log_recv", CidMode::Use, cid, buf, len,
                  [&](Call& call) { return g_logs.get(h)->recv(call, "log stream mutex busy"); });
}

MSB_EXPORT char* msb_log_close(uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_log_close", CidMode::None, 0, buf, len, [&](Call&) {
    if (auto s = g_logs.try_take(h)) s->close();
    Json o = Json::object();
    o.set("ok", true);
    return o;
  });
}
