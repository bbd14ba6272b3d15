// §5.10: metrics sampled from the sandbox's real host processes (the VM process and
// its exec process groups): CPU time, RSS and I/O from /proc.
#include <dirent.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "sandbox.hpp"

using namespace msbd;

namespace {

struct ProcTotals {
  uint64_t cpu_ticks = 0;
  uint64_t rss_bytes = 0;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t start_ticks = 0;  // of the VM process
};

bool read_text(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

// pid -> (pgrp, utime+stime, rss pages, starttime)
bool stat_of(pid_t pid, long& pgrp, uint64_t& ticks, uint64_t& rss_pages, uint64_t& start) {
  std::string text;
  if (!read_text("/proc/" + std::to_string(pid) + "/stat", text)) return false;
  auto rp = text.rfind(')');
  if (rp == std::string::npos) return false;
  std::istringstream ss(text.substr(rp + 2));
  std::string f[60];
  for (int i = 0; i < 50 && ss >> f[i]; i++) {
  }
  // f[0]=state f[1]=ppid f[2]=pgrp ... f[11]=utime f[12]=stime f[19]=starttime f[21]=rss
  pgrp = std::atol(f[2].c_str());
  ticks = std::strtoull(f[11].c_str(), nullptr, 10) + std::strtoull(f[12].c_str(), nullptr, 10);
  start = std::strtoull(f[19].c_str(), nullptr, 10);
  rss_pages = std::strtoull(f[21].c_str(), nullptr, 10);
  return f[0] != "Z";
}

void io_of(pid_t pid, uint64_t& rd, uint64_t& wr) {
  std::string text;
  if (!read_text("/proc/" + std::to_string(pid) + "/io", text)) return;
  std::istringstream ss(text);
  std::string key;
  uint64_t v;
  while (ss >> key >> v) {
    if (key == "read_bytes:") rd += v;
    if (key == "write_bytes:") wr += v;
  }
}

ProcTotals totals(const Json& rec) {
  ProcTotals t;
  pid_t vm = static_cast<pid_t>(rec.find("pid")->as_int());
  std::set<long> groups;
  std::string procs;
  if (read_text(sandbox_dir(rec.find("name")->as_string()) + "/procs", procs)) {
    std::istringstream ss(procs);
    long g;
    while (ss >> g) groups.insert(g);
  }
  long page = sysconf(_SC_PAGESIZE);
  auto add = [&](pid_t pid) {
    long pg;
    uint64_t ticks, rss, start;
    if (!stat_of(pid, pg, ticks, rss, start)) return;
    t.cpu_ticks += ticks;
    t.rss_bytes += rss * static_cast<uint64_t>(page);
    io_of(pid, t.read_bytes, t.write_bytes);
    if (pid == vm) t.start_ticks = start;
  };
  add(vm);
  if (!groups.empty()) {
    if (DIR* d = opendir("/proc")) {
      while (auto* e = readdir(d)) {
        pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
        if (pid <= 0 || pid == vm) continue;
        long pg;
        uint64_t ticks, rss, start;
        if (stat_of(pid, pg, ticks, rss, start) && groups.count(pg)) add(pid);
      }
      closedir(d);
    }
  }
  return t;
}

double system_uptime() {
  std::string text;
  if (!read_text("/proc/uptime", text)) return 0;
  return std::atof(text.c_str());
}

// The last CPU reading per sandbox boot, for cpu_percent between samples.
std::mutex& g_cpu_m = *new std::mutex();
std::map<uint64_t, std::pair<int64_t, uint64_t>>& g_cpu = *new std::map<uint64_t, std::pair<int64_t, uint64_t>>();  // boot_id -> (mono ms, ticks)

uint64_t memory_limit(const Json& rec) {
  auto res = rec.find("config")->find("resources");
  uint64_t mib = res && res->find("memory_mib") ? res->find("memory_mib")->as_uint() : 512;
  return mib * 1024 * 1024;
}

// One sample of a running sandbox (full form unless lite). Throws as the runtime does.
Json sample(const Json& rec, bool lite) {
  if (config_get("metrics_disabled").is_bool() && config_get("metrics_disabled").as_bool())
    fail("metrics_disabled", "metrics are disabled for sandbox " + rec.find("name")->as_string());
  std::string st = rec.find("status")->as_string();
  if ((st != "running" && st != "draining") || !vm_alive(rec))
    fail("sandbox_not_running", "sandbox '" + rec.find("name")->as_string() + "' is not running (status: " + rust_status(st) + ")");
  long hz = sysconf(_SC_CLK_TCK);
  ProcTotals t = totals(rec);
  uint64_t boot = rec.find("boot_id")->as_uint();
  int64_t now = mono_ms();
  double cpu = 0;
  {
    std::lock_guard<std::mutex> g(g_cpu_m);
    auto it = g_cpu.find(boot);
    if (it != g_cpu.end() && now > it->second.first) {
      double dt = (now - it->second.first) / 1000.0;
      double used = (t.cpu_ticks - std::min(t.cpu_ticks, it->second.second)) / static_cast<double>(hz);
      cpu = 100.0 * used / dt / static_cast<double>(std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN)));
    }
    g_cpu[boot] = {now, t.cpu_ticks};
  }
  double up = system_uptime() - t.start_ticks / static_cast<double>(hz);
  Json m = Json::object();
  m.set("cpu_percent", cpu);
  if (!lite) m.set("vcpu_time_ns", t.cpu_ticks * (1000000000ULL / static_cast<uint64_t>(hz)));
  m.set("memory_bytes", t.rss_bytes);
  if (!lite) {
    m.set("memory_available_bytes", nullptr);
    m.set("memory_host_resident_bytes", t.rss_bytes);
  }
  m.set("memory_limit_bytes", memory_limit(rec));
  m.set("disk_read_bytes", t.read_bytes);
  m.set("disk_write_bytes", t.write_bytes);
  m.set("net_rx_bytes", 0);
  m.set("net_tx_bytes", 0);
  if (!lite) {
    m.set("upper_used_bytes", nullptr);
    m.set("upper_free_bytes", nullptr);
    m.set("upper_host_allocated_bytes", nullptr);
  }
  m.set("uptime_secs", static_cast<uint64_t>(up < 0 ? 0 : up));
  return m;
}

// ------------------------------------------------------------ metrics streams

struct MetricsStream : ItemStream {};
Registry<MetricsStream>& g_metrics = *new Registry<MetricsStream>("metrics");

void run_sampler(std::shared_ptr<MetricsStream> s, SandboxP pinned, uint64_t interval_ms) {
  // The task holds the sandbox (the "pin" of docs/runtime-abi.md §3.3) until it notices the
  // stream was closed on its next tick.
  while (!s->closed.load()) {
    std::pair<bool, Json> item;
    bool disabled = false;
    try {
      auto rec = lookup(pinned->name);
      if (!rec) fail("sandbox_not_found", "sandbox not found: " + pinned->name);
      item = {false, sample(*rec, false)};
    } catch (const MsbError& e) {
      Json err = Json::object();
      err.set("kind", e.kind);
      err.set("message", e.message);
      item = {true, err};
      disabled = e.kind == "metrics_disabled";
    }
    {
      std::lock_guard<std::mutex> g(s->w->m);
      s->items.push_back(item);
      if (disabled) s->done = true;
      s->w->cv.notify_all();
    }
    if (disabled) break;
    auto deadline = mono_ms() + static_cast<int64_t>(interval_ms);
    while (!s->closed.load() && mono_ms() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(20, std::max<int64_t>(1, deadline - mono_ms()))));
  }
}

Json lookup_running(const std::string& name) {
  auto rec = lookup(name);
  if (!rec) fail("sandbox_not_found", "sandbox not found: " + name);
  return *rec;
}

}  // namespace

MSB_EXPORT char* msb_sandbox_metrics(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_metrics", CidMode::Use, cid, buf, len, [&](Call&) {
    SandboxP s = g_sandboxes.get(h);
    return sample(lookup_running(s->name), false);
  });
}

MSB_EXPORT char* msb_sandbox_handle_metrics(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_metrics", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    Json rec = lookup_running(name);
    std::string st = rec.find("status")->as_string();
    if (st != "running" && st != "draining")
      fail("sandbox_not_running", "sandbox '" + name + "' is not running (status: " + rust_status(st) + ")");
    return sample(rec, true);
  });
}

MSB_EXPORT char* msb_all_sandbox_metrics(uint64_t cid, unsigned char* buf, uintptr_t len) {
  return run_call("msb_all_sandbox_metrics", CidMode::Use, cid, buf, len, [&](Call&) {
    Json all = Json::object();
    for (auto& rec : all_records()) {
      std::string st = rec.find("status")->as_string();
      if ((st != "running" && st != "draining") || !vm_alive(rec)) continue;
      try {
        all.set(rec.find("name")->as_string(), sample(rec, false));
      } catch (const MsbError&) {
      }
    }
    Json o = Json::object();
    o.set("sandboxes", all);
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_metrics_stream(uint64_t cid, uint64_t h, uint64_t interval_ms, unsigned char* buf,
                                            uintptr_t len) {
  return run_call("msb_sandbox_metrics_stream", CidMode::Use, cid, buf, len, [&](Call&) {
    SandboxP pinned = g_sandboxes.get(h);
    auto s = std::make_shared<MetricsStream>();
    uint64_t handle = g_metrics.insert(s);
    std::thread(run_sampler, s, pinned, interval_ms == 0 ? 1 : interval_ms).detach();
    Json o = Json::object();
    o.set("stream_handle", handle);
    return o;
  });
}

MSB_EXPORT char* msb_metrics_recv(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_metrics_recv", CidMode::Use, cid, buf, len,
                  [&](Call& call) { return g_metrics.get(h)->recv(call, "metrics stream mutex busy"); });
}

MSB_EXPORT char* msb_metrics_close(uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_metrics_close", CidMode::None, 0, buf, len, [&](Call&) {
    if (auto s = g_metrics.try_take(h)) s->close();
    Json o = Json::object();
    o.set("ok", true);
    return o;
  });
}
