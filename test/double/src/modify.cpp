// §5.4.1: live modification of a sandbox (msb_sandbox_modify, msb_sandbox_handle_modify).
// The plan is classified the way the runtime's planner does; the double's VMs expose no
// runtime control socket, so nothing ever applies "live" (CPU/memory resize and secret
// reconfiguration are planned as "requires restart" on a running sandbox, as with a
// runtime that lacks live control). Applying persists the patched config; the `restart`
// policy stops the sandbox, persists, and starts it again detached.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "sandbox.hpp"

using namespace msbd;

namespace {

const char* LIVE_RESIZE_UNAVAILABLE = "live CPU and memory resize are not available in this runtime yet";
const char* LIVE_SECRET_RECONFIGURE_UNAVAILABLE = "live secret reconfiguration is not available in this runtime yet";
const char* LIVE_EXEC_DEFAULT_UPDATE_UNAVAILABLE =
    "affects future execs only after restart; live exec-default updates are not available yet";
const char* LIVE_LABEL_UPDATE_UNAVAILABLE = "live label updates are not available in this runtime yet";
const char* UPPER_LIVE_RESIZE_UNAVAILABLE = "the mounted upper filesystem cannot be resized while the sandbox is running";
const char* UPPER_GROWS_ON_NEXT_START = "the upper.ext4 file grows during the next start's pre-boot preparation";
const char* FUTURE_EXECS_ONLY = "applies to future execs only; running processes keep their current environment";
const uint32_t DEFAULT_UPPER_MIB = 4 * 1024;

enum class Policy { NoRestart, NextStart, Restart };
enum class Disp { Live, NextStart, RequiresRestart, Unsupported };

const char* policy_name(Policy p) {
  return p == Policy::NoRestart ? "no_restart" : p == Policy::NextStart ? "next_start" : "restart";
}
const char* disp_name(Disp d) {
  switch (d) {
    case Disp::Live:
      return "live";
    case Disp::NextStart:
      return "next start";
    case Disp::RequiresRestart:
      return "requires restart";
    default:
      return "unsupported";
  }
}

[[noreturn]] void bad(const std::string& what) { fail("invalid_argument", "invalid modify opts JSON: " + what); }

const Json* member(const Json& o, const char* key) {
  auto v = o.find(key);
  return v && !v->is_null() ? v : nullptr;
}

struct SecretSpec {
  std::string name;
  bool has_source = false;
  bool store_source = false;
  Json source;
  std::string value;
  bool has_placeholder = false;
  std::string placeholder;
  std::vector<std::string> hosts;
};

struct Patch {
  std::optional<uint64_t> cpus, max_cpus, memory, max_memory, root_disk;
  std::vector<std::pair<std::string, std::string>> env, labels;
  std::vector<std::string> env_remove, labels_remove, secrets_remove;
  std::optional<std::string> workdir;
  std::vector<SecretSpec> secrets;
};

std::optional<uint64_t> uint_field(const Json& o, const char* key, uint64_t max, const char* type) {
  auto v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_integer() || v->as_int() < 0 || v->as_uint() > max)
    bad(std::string("invalid value for `") + key + "`, expected " + type);
  return v->as_uint();
}

std::vector<std::string> strings(const Json& o, const char* key) {
  std::vector<std::string> out;
  auto v = member(o, key);
  if (!v) return out;
  if (!v->is_array()) bad(std::string("invalid type for `") + key + "`, expected a sequence");
  for (auto& s : v->as_array()) {
    if (!s.is_string()) bad(std::string("invalid type in `") + key + "`, expected a string");
    out.push_back(s.as_string());
  }
  return out;
}

std::string string_member(const Json& o, const char* key, const char* ctx) {
  auto v = o.find(key);
  if (!v) bad(std::string("missing field `") + key + "` in " + ctx);
  if (!v->is_string()) bad(std::string("invalid type for `") + key + "` in " + ctx + ", expected a string");
  return v->as_string();
}

Patch parse_patch(const Json& p) {
  if (!p.is_object()) bad("invalid type for `patch`, expected a struct");
  Patch out;
  out.cpus = uint_field(p, "cpus", 255, "u8");
  out.max_cpus = uint_field(p, "max_cpus", 255, "u8");
  out.memory = uint_field(p, "memory_mib", 0xffffffffULL, "u32");
  out.max_memory = uint_field(p, "max_memory_mib", 0xffffffffULL, "u32");
  out.root_disk = uint_field(p, "root_disk_size_mib", 0xffffffffULL, "u32");
  if (!out.root_disk) out.root_disk = uint_field(p, "oci_upper_size_mib", 0xffffffffULL, "u32");
  if (auto e = member(p, "env")) {
    if (!e->is_array()) bad("invalid type for `env`, expected a sequence");
    for (auto& v : e->as_array()) {
      if (!v.is_object()) bad("invalid type in `env`, expected struct EnvVar");
      out.env.emplace_back(string_member(v, "key", "env"), string_member(v, "value", "env"));
    }
  }
  if (auto l = member(p, "labels")) {
    if (!l->is_array()) bad("invalid type for `labels`, expected a sequence");
    for (auto& v : l->as_array()) {
      if (!v.is_array() || v.size() != 2 || !v.as_array()[0].is_string() || !v.as_array()[1].is_string())
        bad("invalid type in `labels`, expected a tuple of size 2");
      out.labels.emplace_back(v.as_array()[0].as_string(), v.as_array()[1].as_string());
    }
  }
  out.env_remove = strings(p, "env_remove");
  out.labels_remove = strings(p, "labels_remove");
  out.secrets_remove = strings(p, "secrets_remove");
  if (auto w = member(p, "workdir")) {
    if (!w->is_string()) bad("invalid type for `workdir`, expected a string");
    out.workdir = w->as_string();
  }
  if (auto s = member(p, "secrets")) {
    if (!s->is_array()) bad("invalid type for `secrets`, expected a sequence");
    for (auto& v : s->as_array()) {
      if (!v.is_object()) bad("invalid type in `secrets`, expected struct SecretModificationPatch");
      SecretSpec spec;
      spec.name = string_member(v, "name", "secrets");
      if (auto src = member(v, "source")) {
        auto kind = src->is_object() ? member(*src, "kind") : nullptr;
        std::string k = kind && kind->is_string() ? kind->as_string() : "";
        if (k == "env") string_member(*src, "var", "secret source");
        else if (k == "store") string_member(*src, "reference", "secret source");
        else bad("unknown secret source kind, expected `env` or `store`");
        spec.has_source = true;
        spec.store_source = k == "store";
        spec.source = *src;
      }
      if (auto val = member(v, "value")) {
        if (!val->is_string()) bad("invalid type for `value` in secrets, expected a string");
        spec.value = val->as_string();
      }
      if (auto ph = member(v, "placeholder")) {
        if (!ph->is_string()) bad("invalid type for `placeholder` in secrets, expected a string");
        spec.has_placeholder = true;
        spec.placeholder = ph->as_string();
      }
      spec.hosts = strings(v, "allowed_hosts");
      out.secrets.push_back(spec);
    }
  }
  return out;
}

Policy parse_policy(const Json& opts) {
  auto p = member(opts, "policy");
  if (!p) return Policy::NoRestart;
  std::string s = p->is_string() ? p->as_string() : p->dump();
  if (s == "no_restart") return Policy::NoRestart;
  if (s == "next_start") return Policy::NextStart;
  if (s == "restart") return Policy::Restart;
  fail("invalid_argument",
       "unknown modify policy \"" + s + "\"; expected \"no_restart\", \"next_start\", or \"restart\"");
}

struct Request {
  Patch patch;
  Policy policy;
  bool dry_run;
};

Request parse_request(const char* opts_p) {
  std::string text = arg_str(opts_p);
  Json opts;
  try {
    opts = Json::parse(text);
  } catch (const ParseError& e) {
    bad(e.what());
  }
  if (!opts.is_object()) bad("invalid type, expected struct SandboxModifyOpts");
  Request r;
  r.patch = parse_patch(member(opts, "patch") ? *opts.find("patch") : Json::object());
  auto d = member(opts, "dry_run");
  if (d && !d->is_bool()) bad("invalid type for `dry_run`, expected a boolean");
  r.dry_run = d && d->as_bool();
  r.policy = parse_policy(opts);
  return r;
}

// ------------------------------------------------------------ classification

bool running(const std::string& s) { return s == "running" || s == "draining"; }
bool stopped(const std::string& s) { return s == "created" || s == "stopped" || s == "crashed"; }
bool transitional(const std::string& s) { return s == "starting" || s == "paused"; }

std::string format_mib(uint64_t mib) {
  if (mib >= 1024 && mib % 1024 == 0) return std::to_string(mib / 1024) + " GiB";
  return std::to_string(mib) + " MiB";
}

Disp capacity_disp(const std::string& st, Policy p) {
  if (p == Policy::NextStart || stopped(st)) return Disp::NextStart;
  if (transitional(st)) return Disp::Unsupported;
  return Disp::RequiresRestart;  // running, no live control in the double
}
std::string cannot(const std::string& st) { return "cannot modify while sandbox is " + st; }

struct Plan {
  Json changes = Json::array();
  Json conflicts = Json::array();
  Json warnings = Json::array();
};

void add_change(Plan& plan, const std::string& field, const char* change, const std::optional<std::string>& before,
                const std::optional<std::string>& after, Disp d, const std::optional<std::string>& reason) {
  Json c = Json::object();
  c.set("kind", "config");
  c.set("field", field);
  c.set("change", change);
  if (before) c.set("before", *before);
  if (after) c.set("after", *after);
  c.set("disposition", disp_name(d));
  if (reason) c.set("reason", *reason);
  plan.changes.push(c);
}
void add_note(Json& list, const std::string& field, const std::string& message) {
  Json w = Json::object();
  w.set("field", field);
  w.set("message", message);
  list.push(w);
}

uint64_t res(const Json& cfg, const char* key, uint64_t dflt) {
  auto r = cfg.find("resources");
  auto v = r ? r->find(key) : nullptr;
  return v && v->is_integer() ? v->as_uint() : dflt;
}

// Managed (current size), tmpfs (current size or none), disk image, or no OCI root.
enum class RootKind { None, Managed, Tmpfs, DiskImage };
RootKind root_disk_state(const Json& cfg, std::optional<uint64_t>& current) {
  auto img = cfg.find("image");
  auto oci = img && img->is_object() ? img->find("Oci") : nullptr;
  if (!oci) return RootKind::None;
  auto rd = oci->find("root_disk");
  if (!rd || rd->is_null()) {
    current = DEFAULT_UPPER_MIB;
    return RootKind::Managed;
  }
  std::string kind = rd->find("kind") && rd->find("kind")->is_string() ? rd->find("kind")->as_string() : "managed";
  auto size = member(*rd, "size_mib");
  if (kind == "tmpfs") {
    if (size) current = size->as_uint();
    return RootKind::Tmpfs;
  }
  if (kind == "disk-image") return RootKind::DiskImage;
  current = size ? size->as_uint() : DEFAULT_UPPER_MIB;
  return RootKind::Managed;
}

struct Existing {
  std::string placeholder;
  std::vector<std::string> hosts;
};
// Secrets of the record: the double persists names in config.secrets and their
// placeholder/hosts in `secret_specs` (seeded from the create options).
Json secret_specs(const Json& rec) {
  if (auto s = rec.find("secret_specs")) return *s;
  Json out = Json::array();
  auto opts = rec.find("opts");
  auto secrets = opts ? member(*opts, "secrets") : nullptr;
  if (secrets && secrets->is_array())
    for (auto& s : secrets->as_array()) {
      Json e = Json::object();
      std::string name = s.find("env_var")->as_string();
      e.set("name", name);
      e.set("placeholder", member(s, "placeholder") ? *s.find("placeholder") : Json("$MSB_" + name));
      Json hosts = Json::array();
      for (auto key : {"allow_hosts", "allow_host_patterns"})
        if (auto h = member(s, key))
          for (auto& x : h->as_array()) hosts.push(x);
      e.set("allowed_hosts", hosts);
      out.push(e);
    }
  return out;
}
std::optional<Existing> existing_secret(const Json& specs, const std::string& name) {
  for (auto& s : specs.as_array())
    if (s.find("name")->as_string() == name) {
      Existing e;
      e.placeholder = s.find("placeholder")->as_string();
      for (auto& h : s.find("allowed_hosts")->as_array()) e.hosts.push_back(h.as_string());
      return e;
    }
  return std::nullopt;
}

Json build_plan(const std::string& name, const std::string& st, const Json& rec, const Patch& p, Policy policy) {
  const Json& cfg = *rec.find("config");
  Plan plan;
  uint64_t cpus = res(cfg, "cpus", 1), max_cpus = res(cfg, "max_cpus", cpus);
  uint64_t mem = res(cfg, "memory_mib", 512), max_mem = res(cfg, "max_memory_mib", mem);
  // Resources. The double's active config is its persisted one.
  auto resource_disp = capacity_disp(st, policy);
  auto resource_reason = [&]() -> std::optional<std::string> {
    if (resource_disp == Disp::RequiresRestart && running(st)) return std::string(LIVE_RESIZE_UNAVAILABLE);
    if (resource_disp == Disp::Unsupported) return cannot(st);
    return std::nullopt;
  };
  auto resize_warning = [&](const char* field) {
    if (running(st) && policy != Policy::NextStart) add_note(plan.warnings, field, LIVE_RESIZE_UNAVAILABLE);
  };
  auto capacity_reason = [&](const char* field) -> std::optional<std::string> {
    auto d = capacity_disp(st, policy);
    if (d == Disp::RequiresRestart) return std::string(field) + " defines boot-time capacity and cannot be raised live";
    if (d == Disp::Unsupported) return cannot(st);
    return std::nullopt;
  };
  uint64_t want_cpus = p.cpus.value_or(cpus), want_mem = p.memory.value_or(mem);
  uint64_t want_max_cpus = std::max(p.max_cpus.value_or(max_cpus), want_cpus);
  uint64_t want_max_mem = std::max(p.max_memory.value_or(max_mem), want_mem);
  if (p.cpus && *p.cpus != cpus) {
    auto reason = resource_reason();
    if (resource_disp == Disp::RequiresRestart && *p.cpus > max_cpus)
      reason = "cpus " + std::to_string(*p.cpus) + " exceeds the active max capacity " + std::to_string(max_cpus) +
               "; restart with a larger max_cpus";
    add_change(plan, "cpus", "updated", std::to_string(cpus), std::to_string(*p.cpus), resource_disp, reason);
    resize_warning("cpus");
  }
  if (want_max_cpus != max_cpus && (p.max_cpus || want_max_cpus > max_cpus))
    add_change(plan, "max_cpus", "updated", std::to_string(max_cpus), std::to_string(want_max_cpus),
               capacity_disp(st, policy), capacity_reason("max_cpus"));
  if (p.memory && *p.memory != mem) {
    auto reason = resource_reason();
    if (resource_disp == Disp::RequiresRestart && *p.memory > max_mem)
      reason = "memory " + format_mib(*p.memory) + " exceeds the active max capacity " + format_mib(max_mem) +
               "; restart with a larger max_memory";
    add_change(plan, "memory", "updated", format_mib(mem), format_mib(*p.memory), resource_disp, reason);
    resize_warning("memory");
  }
  if (want_max_mem != max_mem && (p.max_memory || want_max_mem > max_mem))
    add_change(plan, "max_memory", "updated", format_mib(max_mem), format_mib(want_max_mem),
               capacity_disp(st, policy), capacity_reason("max_memory"));
  // Root disk size.
  std::optional<uint64_t> current;
  RootKind rk = root_disk_state(cfg, current);
  if (p.root_disk) {
    uint64_t target = *p.root_disk;
    bool change = false;
    if (rk == RootKind::Managed) change = target > *current;
    else if (rk == RootKind::Tmpfs) change = !(current && *current == target) && target <= want_mem;
    if (change) {
      auto d = capacity_disp(st, policy);
      std::optional<std::string> reason;
      if (d == Disp::RequiresRestart) reason = UPPER_LIVE_RESIZE_UNAVAILABLE;
      else if (d == Disp::NextStart && running(st)) reason = UPPER_GROWS_ON_NEXT_START;
      else if (d == Disp::Unsupported) reason = cannot(st);
      add_change(plan, "root_disk_size", "updated",
                 current ? std::optional<std::string>(format_mib(*current)) : std::nullopt, format_mib(target), d,
                 reason);
    }
  }
  // Env, labels, workdir.
  auto spec_disp = capacity_disp(st, policy);
  auto spec_reason = [&](const char* running_reason) -> std::optional<std::string> {
    if (spec_disp == Disp::RequiresRestart && running(st)) return std::string(running_reason);
    if (spec_disp == Disp::Unsupported) return cannot(st);
    return std::nullopt;
  };
  auto exec_warning = [&](const char* field) {
    if (!running(st) || policy == Policy::NoRestart) return;
    for (auto& w : plan.warnings.as_array())
      if (w.find("field")->as_string() == field && w.find("message")->as_string() == FUTURE_EXECS_ONLY) return;
    add_note(plan.warnings, field, FUTURE_EXECS_ONLY);
  };
  const Json* env = cfg.find("env");
  const Json* labels = cfg.find("labels");
  auto get = [](const Json* o, const std::string& k) -> std::optional<std::string> {
    if (o && o->is_array()) {  // the persisted env: [{"key":…,"value":…}]
      for (auto& e : o->as_array())
        if (e.find("key") && e.find("key")->as_string() == k && e.find("value")) return e.find("value")->as_string();
      return std::nullopt;
    }
    if (!o || !o->is_object()) return std::nullopt;
    auto v = o->find(k);
    if (!v || !v->is_string()) return std::nullopt;
    return v->as_string();
  };
  for (auto& kv : p.env) {
    auto cur = get(env, kv.first);
    if (cur && *cur == kv.second) continue;
    add_change(plan, "env", cur ? "updated" : "added", cur ? std::optional<std::string>(kv.first + "=" + *cur) : std::nullopt,
               kv.first + "=" + kv.second, spec_disp, spec_reason(LIVE_EXEC_DEFAULT_UPDATE_UNAVAILABLE));
    exec_warning("env");
  }
  for (auto& k : p.env_remove) {
    auto cur = get(env, k);
    if (!cur) continue;
    add_change(plan, "env", "removed", k + "=" + *cur, std::nullopt, spec_disp,
               spec_reason(LIVE_EXEC_DEFAULT_UPDATE_UNAVAILABLE));
    exec_warning("env");
  }
  for (auto& kv : p.labels) {
    auto cur = get(labels, kv.first);
    if (cur && *cur == kv.second) continue;
    add_change(plan, "label", cur ? "updated" : "added",
               cur ? std::optional<std::string>(kv.first + "=" + *cur) : std::nullopt, kv.first + "=" + kv.second,
               spec_disp, spec_reason(LIVE_LABEL_UPDATE_UNAVAILABLE));
  }
  for (auto& k : p.labels_remove) {
    auto cur = get(labels, k);
    if (!cur) continue;
    add_change(plan, "label", "removed", k + "=" + *cur, std::nullopt, spec_disp,
               spec_reason(LIVE_LABEL_UPDATE_UNAVAILABLE));
  }
  if (p.workdir) {
    auto rt = cfg.find("runtime");
    auto cur = rt ? get(rt, "workdir") : std::nullopt;
    if (!cur || *cur != *p.workdir) {
      add_change(plan, "workdir", cur ? "updated" : "added", cur, *p.workdir, spec_disp,
                 spec_reason(LIVE_EXEC_DEFAULT_UPDATE_UNAVAILABLE));
      exec_warning("workdir");
    }
  }
  // Secrets.
  Json specs = secret_specs(rec);
  auto secret_disp = [&]() {
    if (policy == Policy::NextStart || stopped(st)) return Disp::NextStart;
    if (transitional(st)) return Disp::Unsupported;
    return Disp::RequiresRestart;
  };
  auto add_secret = [&](const std::string& sname, const char* change, bool placeholder_changed,
                        const std::optional<std::string>& before, const std::optional<std::string>& after,
                        const std::vector<std::string>& hosts) {
    Disp d = secret_disp();
    std::optional<std::string> reason;
    std::string ch = change;
    if (d == Disp::RequiresRestart && running(st)) {
      reason = placeholder_changed || ch == "added" || ch == "renamed" || ch == "placeholder updated"
                   ? "guest-visible secret placeholders cannot be introduced into existing processes"
                   : LIVE_SECRET_RECONFIGURE_UNAVAILABLE;
      if (!placeholder_changed && (ch == "rotated" || ch == "removed" || ch == "hosts updated"))
        add_note(plan.warnings, "secret", LIVE_SECRET_RECONFIGURE_UNAVAILABLE);
    } else if (d == Disp::Unsupported) {
      reason = cannot(st);
    }
    Json c = Json::object();
    c.set("kind", "secret");
    c.set("field", "secret");
    c.set("name", sname);
    c.set("change", change);
    if (before) c.set("before_ref", *before);
    if (after) c.set("after_ref", *after);
    c.set("disposition", disp_name(d));
    if (!hosts.empty()) {
      Json h = Json::array();
      for (auto& x : hosts) h.push(x);
      c.set("allow_hosts", h);
    }
    if (reason) c.set("reason", *reason);
    plan.changes.push(c);
  };
  for (auto& s : p.secrets) {
    auto ex = existing_secret(specs, s.name);
    bool material = s.has_source || !s.value.empty();
    bool ph_changed = s.has_placeholder && (!ex || s.placeholder != ex->placeholder);
    const char* change = nullptr;
    if (!ex) change = "added";
    else if (material) change = "rotated";
    else if (ph_changed) change = "placeholder updated";
    else if (!s.hosts.empty() && s.hosts != ex->hosts) change = "hosts updated";
    if (!change) continue;
    std::string after = s.has_placeholder ? s.placeholder : ex ? ex->placeholder : "$MSB_" + s.name;
    add_secret(s.name, change, ph_changed, ex ? std::optional<std::string>(ex->placeholder) : std::nullopt, after,
               s.hosts.empty() ? (ex ? ex->hosts : std::vector<std::string>{}) : s.hosts);
  }
  for (auto& n : p.secrets_remove) {
    auto ex = existing_secret(specs, n);
    if (!ex) continue;
    add_secret(n, "removed", false, ex->placeholder, std::nullopt, ex->hosts);
  }
  // Conflicts.
  if (p.cpus && *p.cpus == 0) add_note(plan.conflicts, "cpus", "cpus must be greater than 0");
  if (p.memory && *p.memory == 0) add_note(plan.conflicts, "memory", "memory must be greater than 0");
  if (p.max_cpus && *p.max_cpus == 0) add_note(plan.conflicts, "max_cpus", "max_cpus must be greater than 0");
  if (p.max_memory && *p.max_memory == 0) add_note(plan.conflicts, "max_memory", "max_memory must be greater than 0");
  if (p.max_cpus && *p.max_cpus < want_cpus)
    add_note(plan.conflicts, "max_cpus",
             "max_cpus " + std::to_string(*p.max_cpus) + " is lower than requested cpus " + std::to_string(want_cpus));
  if (p.max_memory && *p.max_memory < want_mem)
    add_note(plan.conflicts, "max_memory",
             "max_memory " + format_mib(*p.max_memory) + " is lower than requested memory " + format_mib(want_mem));
  if (p.root_disk) {
    uint64_t target = *p.root_disk;
    if (rk == RootKind::None) add_note(plan.conflicts, "root_disk_size", "root disk size requires an OCI rootfs");
    else if (rk == RootKind::DiskImage)
      add_note(plan.conflicts, "root_disk_size",
               "the root disk is a user-supplied disk image; its size is determined by the image file");
    else if (rk == RootKind::Managed && target < *current)
      add_note(plan.conflicts, "root_disk_size",
               "root disk size " + format_mib(target) + " is smaller than the current " + format_mib(*current) +
                   "; shrink is not supported (recreate the sandbox instead)");
    else if (rk == RootKind::Managed && target == *current)
      add_note(plan.conflicts, "root_disk_size",
               "root disk size is already " + format_mib(*current) + "; only grow is supported");
    else if (rk == RootKind::Tmpfs && target > want_mem)
      add_note(plan.conflicts, "root_disk_size",
               "tmpfs root disk size " + format_mib(target) + " must not exceed sandbox memory (" + format_mib(want_mem) + ")");
    else if (rk == RootKind::Tmpfs && current && *current == target)
      add_note(plan.conflicts, "root_disk_size", "root disk size is already " + format_mib(target));
  }
  for (auto& kv : p.env)
    if (std::find(p.env_remove.begin(), p.env_remove.end(), kv.first) != p.env_remove.end())
      add_note(plan.conflicts, "env", "env " + kv.first + " is both set and removed in the same modification");
  for (auto& kv : p.labels)
    if (std::find(p.labels_remove.begin(), p.labels_remove.end(), kv.first) != p.labels_remove.end())
      add_note(plan.conflicts, "label", "label " + kv.first + " is both set and removed in the same modification");
  for (auto& s : p.secrets) {
    if (s.name.empty()) {
      add_note(plan.conflicts, "secret", "secret spec needs a name; call .env(..) in the secret closure");
      continue;
    }
    if (!s.value.empty() && s.has_source)
      add_note(plan.conflicts, "secret", "secret " + s.name + ": value and source are mutually exclusive");
    if (s.store_source)
      add_note(plan.conflicts, "secret", "secret " + s.name + ": store-backed secret sources are not supported yet");
    if (!existing_secret(specs, s.name)) {
      if (!s.has_source && s.value.empty())
        add_note(plan.conflicts, "secret", "secret " + s.name + " needs a host-side source or value to add");
      if (s.hosts.empty()) add_note(plan.conflicts, "secret", "secret " + s.name + " needs at least one allowed host");
    }
    if (std::find(p.secrets_remove.begin(), p.secrets_remove.end(), s.name) != p.secrets_remove.end())
      add_note(plan.conflicts, "secret",
               "secret " + s.name + " is both configured and removed in the same modification");
  }
  Json out = Json::object();
  out.set("sandbox", name);
  out.set("status", st);
  out.set("applied", false);
  out.set("policy", policy_name(policy));
  out.set("changes", plan.changes);
  out.set("conflicts", plan.conflicts);
  out.set("warnings", plan.warnings);
  return out;
}

// ------------------------------------------------------------ apply

void check_apply(const Json& plan, Policy policy) {
  auto& conflicts = plan.find("conflicts")->as_array();
  if (!conflicts.empty())
    fail("internal", "cannot apply modification: " + conflicts[0].find("message")->as_string());
  for (auto& c : plan.find("changes")->as_array()) {
    std::string d = c.find("disposition")->as_string();
    bool secret = c.find("kind")->as_string() == "secret";
    std::string what = secret ? "secret " + c.find("name")->as_string() : c.find("field")->as_string();
    if (d == "unsupported") {
      std::string reason = secret && c.find("reason") ? " (" + c.find("reason")->as_string() + ")" : "";
      fail("internal", "cannot apply modification: " + what + " is unsupported" + reason);
    }
    if (d == "requires restart" && policy != Policy::Restart)
      fail("internal", "cannot apply modification: " + what + " requires restart");
  }
}

void apply_patch(Json& rec, const Patch& p) {
  Json& cfg = *rec.find("config");
  Json& r = cfg.find("resources") ? *cfg.find("resources") : cfg.set("resources", Json::object());
  auto num = [&](const char* k, uint64_t d) { return r.find(k) && r.find(k)->is_integer() ? r.find(k)->as_uint() : d; };
  if (p.cpus) r.set("cpus", *p.cpus);
  if (p.max_cpus) r.set("max_cpus", *p.max_cpus);
  if (num("max_cpus", 1) < num("cpus", 1)) r.set("max_cpus", num("cpus", 1));
  if (p.memory) r.set("memory_mib", *p.memory);
  if (p.max_memory) r.set("max_memory_mib", *p.max_memory);
  if (num("max_memory_mib", 512) < num("memory_mib", 512)) r.set("max_memory_mib", num("memory_mib", 512));
  if (p.root_disk) {
    auto img = cfg.find("image");
    auto oci = img && img->is_object() ? img->find("Oci") : nullptr;
    if (oci) {
      auto rd = oci->find("root_disk");
      if (!rd || rd->is_null()) {
        Json m = Json::object();
        m.set("kind", "managed");
        m.set("size_mib", *p.root_disk);
        oci->set("root_disk", m);
      } else if (!(rd->find("kind") && rd->find("kind")->is_string() && rd->find("kind")->as_string() == "disk-image")) {
        rd->set("size_mib", *p.root_disk);
      }
    }
  }
  // the persisted env is a list of {key, value} in the order the variables were set
  Json& env = cfg.find("env") && cfg.find("env")->is_array() ? *cfg.find("env") : cfg.set("env", Json::array());
  for (auto& kv : p.env) {
    bool found = false;
    for (auto& e : env.as_array())
      if (e.find("key")->as_string() == kv.first) {
        e.set("value", kv.second);
        found = true;
      }
    if (!found) {
      Json e = Json::object();
      e.set("key", kv.first);
      e.set("value", kv.second);
      env.push(e);
    }
  }
  for (auto& k : p.env_remove) {
    Json kept = Json::array();
    for (auto& e : env.as_array())
      if (e.find("key")->as_string() != k) kept.push(e);
    env = kept;
  }
  Json& labels =
      cfg.find("labels") && cfg.find("labels")->is_object() ? *cfg.find("labels") : cfg.set("labels", Json::object());
  for (auto& kv : p.labels) labels.set(kv.first, kv.second);
  for (auto& k : p.labels_remove) labels.erase(k);
  if (p.workdir) {
    Json& rt = cfg.find("runtime") ? *cfg.find("runtime") : cfg.set("runtime", Json::object());
    rt.set("workdir", *p.workdir);
  }
  if (!p.secrets.empty() || !p.secrets_remove.empty()) {
    Json specs = secret_specs(rec);
    Json next = Json::array();
    for (auto& s : specs.as_array())
      if (std::find(p.secrets_remove.begin(), p.secrets_remove.end(), s.find("name")->as_string()) ==
          p.secrets_remove.end())
        next.push(s);
    for (auto& s : p.secrets) {
      Json* found = nullptr;
      for (auto& e : next.as_array())
        if (e.find("name")->as_string() == s.name) found = &e;
      if (!found) {
        Json e = Json::object();
        e.set("name", s.name);
        e.set("placeholder", s.has_placeholder ? s.placeholder : "$MSB_" + s.name);
        e.set("allowed_hosts", Json::array());
        next.push(e);
        found = &next.as_array().back();
      } else if (s.has_placeholder) {
        found->set("placeholder", s.placeholder);
      }
      if (!s.hosts.empty()) {
        Json h = Json::array();
        for (auto& x : s.hosts) h.push(x);
        found->set("allowed_hosts", h);
      }
    }
    rec.set("secret_specs", next);
    Json names = Json::array();
    for (auto& e : next.as_array()) names.push(*e.find("name"));
    cfg.set("secrets", names);
  }
}

Json run_modify(Call& call, const std::string& name, const SandboxP& owner, const Request& req) {
  auto loaded = lookup(name);
  if (!loaded) fail("sandbox_not_found", "sandbox not found: " + name);
  std::string st = loaded->find("status")->as_string();
  Json plan = build_plan(name, st, *loaded, req.patch, req.policy);
  if (req.dry_run) return plan;
  check_apply(plan, req.policy);
  bool restart = running(st);
  if (restart) {
    restart = false;
    for (auto& c : plan.find("changes")->as_array())
      if (c.find("disposition")->as_string() == "requires restart") restart = true;
  }
  if (restart) stop_sandbox(call, name, owner, 10000);
  Json rec;
  {
    StoreLock lock;
    auto raw = load_record(name);
    if (!raw) fail("sandbox_not_found", "sandbox not found: " + name);
    rec = *raw;
    if (plan.find("changes")->size() > 0) {
      apply_patch(rec, req.patch);
      save_record(rec);
    }
  }
  if (restart) {
    {
      StoreLock lock;
      auto raw = load_record(name);
      if (!raw) fail("sandbox_not_found", "sandbox not found: " + name);
      rec = *raw;
      rec.set("boot_owner_pid", static_cast<int64_t>(getpid()));
      rec.set("pid", 0);
      rec.set("status", "running");
      save_record(rec);
    }
    // Started detached, then the new handle is dropped (the runtime detaches it).
    SandboxP started = boot_sandbox(call, rec, true);
    append_system_log(name, "sandbox restarted after modification (detached)");
  }
  plan.set("applied", true);
  return plan;
}

}  // namespace

MSB_EXPORT char* msb_sandbox_modify(uint64_t cancel_id, Handle handle, const char* opts_json, unsigned char* buf,
                                    uintptr_t buf_len) {
  return run_call("msb_sandbox_modify", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    Request req = parse_request(opts_json);
    SandboxP sb = g_sandboxes.get(handle);
    return run_modify(call, sb->name, sb, req);
  });
}

MSB_EXPORT char* msb_sandbox_handle_modify(uint64_t cancel_id, const char* name, const char* opts_json,
                                           unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_handle_modify", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string n = arg_str(name);
    Request req = parse_request(opts_json);
    return run_modify(call, n, nullptr, req);
  });
}
