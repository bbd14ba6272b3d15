// §5.3–5.5: sandbox lifecycle exports of the runtime double.
#include <cctype>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "archive.hpp"
#include "sandbox.hpp"
#include "volume.hpp"

using namespace msbd;

namespace {

// ------------------------------------------------------------ option checks

const Json* member(const Json& o, const char* key) {
  auto v = o.find(key);
  return v && !v->is_null() ? v : nullptr;
}

void expect_type(const Json& o, const char* key, Json::Type t, const char* what) {
  auto v = member(o, key);
  if (!v) return;
  bool ok = v->type() == t || (t == Json::Type::UInt && v->is_integer() && (v->type() == Json::Type::UInt ||
                                                                               v->as_int() >= 0));
  if (!ok) fail("invalid_argument", std::string("invalid opts JSON: invalid type for `") + key + "`, expected " + what);
}

// `message`: the runtime's words for an unknown value (the value follows); the default
// names the member.
void expect_enum(const Json& o, const char* key, std::initializer_list<const char*> allowed, bool ci = false,
                 const char* message = nullptr, const char* suffix = "") {
  auto v = member(o, key);
  if (!v) return;
  if (!v->is_string()) fail("invalid_argument", std::string("invalid opts JSON: `") + key + "` must be a string");
  std::string s = v->as_string();
  if (ci) std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  for (auto a : allowed)
    if (s == a) return;
  fail("invalid_argument", (message ? std::string(message) : std::string("invalid ") + key + ": ") +
                               (ci ? s : v->as_string()) + suffix);
}

// The opts text of the create being checked: serde's messages carry a position in it.
thread_local const char* g_create_text = nullptr;

// serde_json's "at line L column C" for the value of `key` (the column of its last
// character), as the runtime appends to a value it cannot take.
std::string serde_position(const char* key) {
  if (!g_create_text) return "";
  std::string text(g_create_text);
  auto k = text.find(std::string("\"") + key + "\"");
  if (k == std::string::npos) return "";
  size_t i = text.find(':', k) + 1;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) i++;
  size_t end = i;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '-')) end++;
  size_t line = 1, col = 0;
  for (size_t j = 0; j < end; j++) {
    if (text[j] == '\n') {
      line++;
      col = 0;
    } else {
      col++;
    }
  }
  return " at line " + std::to_string(line) + " column " + std::to_string(col);
}

bool is_local_path(const std::string& s) {
  return s == "." || s == ".." || s.rfind("/", 0) == 0 || s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0;
}
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool is_disk_image(const std::string& s) {
  return ends_with(s, ".qcow2") || ends_with(s, ".raw") || ends_with(s, ".vmdk");
}

bool inet_pton_ok(const std::string& s, unsigned char* buf) {
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void check_port_map(const Json& opts, const char* key) {
  auto m = member(opts, key);
  if (!m) return;
  if (!m->is_object()) fail("invalid_argument", std::string("invalid opts JSON: `") + key + "` must be an object");
  for (auto& kv : m->as_object()) {
    char* end = nullptr;
    errno = 0;
    unsigned long host = std::strtoul(kv.first.c_str(), &end, 10);
    if (kv.first.empty() || *end || errno || host > 65535)
      fail("invalid_argument", std::string("invalid opts JSON: invalid port key `") + kv.first + "` in " + key);
    if (!kv.second.is_integer() || kv.second.as_int() < 0 || kv.second.as_int() > 65535)
      fail("invalid_argument", std::string("invalid opts JSON: invalid guest port in ") + key);
  }
}

void check_port_bindings(const Json& arr) {
  if (!arr.is_array()) fail("invalid_argument", "invalid opts JSON: `port_bindings` must be an array");
  for (auto& b : arr.as_array()) {
    auto hp = b.find("host_port");
    auto gp = b.find("guest_port");
    if (!hp || !gp) fail("invalid_argument", "invalid opts JSON: missing field `host_port` or `guest_port`");
    if (!hp->is_integer() || hp->as_int() < 0 || hp->as_int() > 65535 || !gp->is_integer() || gp->as_int() < 0 ||
        gp->as_int() > 65535)
      fail("invalid_argument", "invalid opts JSON: port out of range for u16");
    if (auto bind = member(b, "bind")) {
      unsigned char buf[16];
      if (!bind->is_string() || !inet_pton_ok(bind->as_string(), buf))
        fail("invalid_config", "invalid config: invalid port binding address: " + bind->dump());
    }
    if (auto p = member(b, "protocol")) {
      std::string s = p->is_string() ? p->as_string() : "?";
      if (s != "" && s != "tcp" && s != "udp")
        fail("invalid_config", "invalid config: invalid port binding protocol: " + s);
    }
  }
}

void check_volumes(const Json& vols) {
  if (!vols.is_object()) fail("invalid_argument", "invalid opts JSON: `volumes` must be an object");
  for (auto& kv : vols.as_object()) {
    const Json& m = kv.second;
    int kinds = (member(m, "bind") ? 1 : 0) + (member(m, "named") ? 1 : 0) +
                (member(m, "tmpfs") && m.find("tmpfs")->is_bool() && m.find("tmpfs")->as_bool() ? 1 : 0) +
                (member(m, "disk") ? 1 : 0);
    if (kinds > 1) fail("invalid_argument", "mount for " + kv.first + " sets more than one of bind/named/tmpfs/disk");
    if (kinds == 0) fail("invalid_config", "invalid config: mount for " + kv.first + " has no source");
    if (kv.first.empty() || kv.first[0] != '/')
      fail("invalid_config", "invalid config: mount guest path must be absolute: " + kv.first);
    if (auto b = member(m, "bind")) {
      struct stat st;
      if (stat(b->as_string().c_str(), &st) != 0)
        fail("invalid_config", "invalid config: bind mount source does not exist: " + b->as_string());
    }
    if (member(m, "size_mib") && !member(m, "tmpfs") && !member(m, "named"))
      fail("invalid_argument", "size_mib is only valid for tmpfs or named volume mounts");
    if (member(m, "quota_mib") && !member(m, "bind") && !member(m, "named"))
      fail("invalid_argument", "quota_mib is only valid for bind or named volume mounts");
    if (member(m, "named")) {
      // Existence and provisioning are checked by ensure_named_volumes (volume.cpp).
      expect_enum(m, "named_mode", {"", "existing", "create", "ensure-exists", "ensure_exists"});
      expect_enum(m, "named_kind", {"", "dir", "directory", "disk"});
    }
  }
}

void check_secrets(const Json& arr) {
  if (!arr.is_array()) fail("invalid_argument", "invalid opts JSON: `secrets` must be an array");
  for (auto& s : arr.as_array()) {
    if (!member(s, "env_var") || !member(s, "value")) fail("invalid_argument", "invalid opts JSON: missing field `env_var` or `value`");
    auto h = member(s, "allow_hosts");
    auto p = member(s, "allow_host_patterns");
    if ((!h || h->size() == 0) && (!p || p->size() == 0))
      fail("invalid_argument", "secret " + s.find("env_var")->as_string() + " has no allowed host");
  }
}

void check_patches(const Json& arr) {
  if (!arr.is_array()) fail("invalid_argument", "invalid opts JSON: `patches` must be an array");
  for (auto& p : arr.as_array()) {
    auto k = member(p, "kind");
    if (!k || !k->is_string()) fail("invalid_argument", "patch.kind required");
    std::string kind = k->as_string();
    auto need = [&](const char* f) {
      if (!member(p, f)) fail("invalid_argument", std::string("patch.") + f + " required");
    };
    if (kind == "text" || kind == "append" || kind == "mkdir" || kind == "remove") need("path");
    else if (kind == "symlink") {
      need("target");
      need("link");
    } else if (kind == "copy_file" || kind == "copy_dir") {
      need("src");
      need("dst");
    } else fail("invalid_argument", "unknown patch kind: " + kind);
  }
}

void check_create_options(const std::string& name, const Json& opts) {
  if (!opts.is_object()) fail("invalid_argument", "invalid opts JSON: invalid type, expected struct CreateOptions");
  // Enum strings first (docs/runtime-abi.md §6).
  // the runtime's words (0.6.14, measured)
  expect_enum(opts, "pull_policy", {"always", "if-missing", "if_missing", "never"}, false, "unknown pull policy: ");
  expect_enum(opts, "log_level", {"trace", "debug", "info", "warn", "error"}, true, "unknown log level: ");
  expect_enum(opts, "security_profile", {"", "default", "restricted"}, false, "unknown security profile: ");
  expect_enum(opts, "deployment_profile", {"", "single-tenant", "single_tenant", "multi-tenant", "multi_tenant"},
              false, "invalid deployment profile: ", " (expected single-tenant or multi-tenant)");
  expect_enum(opts, "cpu_placement", {"inherit", "auto", "spread", "compact"});
  expect_enum(opts, "thp", {"always", "madvise", "never"});
  using T = Json::Type;
  for (auto k : {"image", "image_fstype", "image_bind", "snapshot", "workdir", "shell", "hostname", "user",
                 "placement_profile"})
    expect_type(opts, k, T::String, "a string");
  for (auto k : {"memory_mib", "cpus", "max_memory_mib", "max_cpus", "oci_upper_size_mib", "max_duration_secs",
                 "idle_timeout_secs", "replace_with_timeout_ms"})
    expect_type(opts, k, T::UInt, "an unsigned integer");
  for (auto k : {"replace", "detached", "ephemeral", "quiet_logs", "registry_insecure"})
    expect_type(opts, k, T::Bool, "a boolean");
  for (auto k : {"env", "labels", "scripts", "ports", "ports_udp", "volumes", "network", "root_disk", "init",
                 "registry_auth"})
    expect_type(opts, k, T::Object, "a map");
  for (auto k : {"entrypoint", "cmd", "port_bindings", "vsock", "secrets", "patches", "registry_ca_certs"})
    expect_type(opts, k, T::Array, "a sequence");
  if (auto c = member(opts, "cpus"))
    if (c->as_uint() > 255)
      fail("invalid_argument", "invalid opts JSON: invalid value: integer `" + std::to_string(c->as_uint()) +
                                   "`, expected u8" + serde_position("cpus"));

  // Mutual exclusions.
  bool has_image = member(opts, "image"), has_bind = member(opts, "image_bind"), has_snap = member(opts, "snapshot");
  if (has_bind && (has_image || has_snap)) fail("invalid_argument", "image_bind is mutually exclusive with image and snapshot");
  if (has_snap && has_image) fail("invalid_argument", "snapshot is mutually exclusive with image");
  if (member(opts, "root_disk") && has_snap) fail("invalid_argument", "root_disk is not allowed with snapshot");
  if (member(opts, "root_disk") && member(opts, "oci_upper_size_mib"))
    fail("invalid_argument", "root_disk is mutually exclusive with oci_upper_size_mib");
  if (auto n = member(opts, "network"))
    if (member(*n, "policy"))
      fail("invalid_argument", "network.policy was removed; use network.custom_policy (see the migration notes)");
  if (auto rd = member(opts, "root_disk")) {
    expect_enum(*rd, "kind", {"managed", "tmpfs", "disk-image", "flat"});
    if (!member(*rd, "kind")) fail("invalid_argument", "root_disk.kind required");
  }
  if (auto pb = member(opts, "port_bindings")) check_port_bindings(*pb);
  check_port_map(opts, "ports");
  check_port_map(opts, "ports_udp");
  if (auto v = member(opts, "vsock"))
    for (auto& r : v->as_array())
      if (auto t = member(r, "socket_type"))
        if (t->as_string() != "" && t->as_string() != "stream" && t->as_string() != "dgram")
          fail("invalid_config", "invalid config: invalid vsock socket type: " + t->as_string());
  if (auto s = member(opts, "secrets")) check_secrets(*s);
  if (auto p = member(opts, "patches")) check_patches(*p);
  if (auto i = member(opts, "init")) {
    if (!member(*i, "cmd")) fail("invalid_argument", "invalid opts JSON: missing field `cmd` in init");
  }
  if (auto a = member(opts, "registry_auth"))
    if (!member(*a, "username") || !member(*a, "password"))
      fail("invalid_argument", "invalid opts JSON: registry_auth needs username and password");

  // Builder validation.
  validate_name(name);
  if (!has_image && !has_bind && !has_snap) fail("invalid_config", "invalid config: image source is required");
  if (auto m = member(opts, "memory_mib"))
    if (m->as_uint() == 0) fail("invalid_config", "invalid config: memory_mib must be greater than zero");
  if (auto c = member(opts, "cpus"))
    if (c->as_uint() == 0) fail("invalid_config", "invalid config: cpus must be greater than zero");
  uint64_t mem = member(opts, "memory_mib") ? opts.find("memory_mib")->as_uint() : 512;
  uint64_t cpus = member(opts, "cpus") ? opts.find("cpus")->as_uint() : 1;
  if (auto m = member(opts, "max_memory_mib"))
    if (m->as_uint() < mem) fail("invalid_config", "invalid config: max_memory_mib must be >= memory_mib");
  if (auto c = member(opts, "max_cpus"))
    if (c->as_uint() < cpus) fail("invalid_config", "invalid config: max_cpus must be >= cpus");
  if (auto l = member(opts, "labels"))
    for (auto& kv : l->as_object()) {
      if (kv.first.empty()) fail("invalid_config", "invalid config: label keys must not be empty");
      for (auto prefix : {"sandbox.", "microsandbox.", "service."})
        if (kv.first.rfind(prefix, 0) == 0)
          fail("invalid_config", "invalid config: label key uses a reserved prefix: " + kv.first);
      if (!kv.second.is_string()) fail("invalid_argument", "invalid opts JSON: label values must be strings");
    }
  if (auto e = member(opts, "env"))
    for (auto& kv : e->as_object()) {
      if (kv.first.rfind("MSB_", 0) == 0)
        fail("invalid_config", "invalid config: environment variables starting with MSB_ are reserved: " + kv.first);
      if (!kv.second.is_string()) fail("invalid_argument", "invalid opts JSON: env values must be strings");
    }
  bool disk_root = false;
  if (has_image) {
    std::string img = opts.find("image")->as_string();
    if (img.empty() || img.find_first_of(" \t\n") != std::string::npos)
      fail("invalid_config", "invalid config: invalid image reference: " + img);
    if (member(opts, "image_fstype") || (is_local_path(img) && is_disk_image(img))) disk_root = true;
    else if (is_local_path(img)) {
      struct stat st;
      if (stat(img.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fail("invalid_config", "invalid config: rootfs path is not a directory: " + img);
    }
  }
  if (has_bind) {
    struct stat st;
    std::string p = opts.find("image_bind")->as_string();
    if (stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      fail("invalid_config", "invalid config: rootfs path is not a directory: " + p);
  }
  if (disk_root && member(opts, "patches") && opts.find("patches")->size() > 0)
    fail("invalid_config", "invalid config: patches are not supported with a disk-image root");
  if (member(opts, "oci_upper_size_mib") && (disk_root || has_bind || !has_image))
    fail("invalid_config", "invalid config: oci_upper_size_mib requires an OCI image");
  if (auto v = member(opts, "volumes")) check_volumes(*v);
  if (has_snap) snapshot_boot_source(opts.find("snapshot")->as_string());  // opened as msb_snapshot_open does
}

// ------------------------------------------------------------ persisted config

// The record's config_json, in the shape the real runtime (0.6.14) persists: the serde form
// of its sandbox spec (measured; see test/fixtures/real/config-*.json). Unset options are
// null, maps that the runtime keeps as lists are lists, enums are the runtime's spellings.
// Secrets, registry credentials, replace, detached and quiet_logs are not persisted.
static Json or_null(const Json& opts, const char* key) {
  auto v = member(opts, key);
  return v ? *v : Json();
}

static std::string rust_disk_format(const std::string& f) {
  if (f == "qcow2") return "Qcow2";
  if (f == "vmdk") return "Vmdk";
  return "Raw";
}

static Json mount_options(const Json& m) {
  Json o = Json::object();
  for (auto k : {"readonly", "noexec", "nosuid", "nodev"}) o.set(k, member(m, k) ? *m.find(k) : Json(false));
  return o;
}

Json persisted_config(const std::string& name, const Json& opts) {
  Json c = Json::object();
  c.set("name", name);
  Json manifest_digest;
  Json image = Json::object();
  std::string img = member(opts, "image") ? opts.find("image")->as_string()
                    : member(opts, "image_bind") ? opts.find("image_bind")->as_string()
                                                 : std::string();
  if (member(opts, "image_fstype") || (member(opts, "image") && is_local_path(img) && is_disk_image(img))) {
    Json d = Json::object();
    d.set("path", img);
    d.set("format", "Raw");
    d.set("fstype", or_null(opts, "image_fstype"));
    image.set("DiskImage", d);
  } else if (member(opts, "image_bind") || is_local_path(img)) {
    Json b = Json::object();
    b.set("path", img);
    b.set("follow_root_symlinks", false);
    image.set("Bind", b);
  } else if (!img.empty()) {
    Json o = Json::object();
    o.set("reference", img);
    if (auto r = member(opts, "root_disk")) {
      Json rd = Json::object();
      for (auto& kv : r->as_object()) {
        if (kv.first == "format") rd.set("format", rust_disk_format(kv.second.as_string()));
        else if (!kv.second.is_null()) rd.set(kv.first, kv.second);
      }
      o.set("root_disk", rd);
    } else if (auto u = member(opts, "oci_upper_size_mib")) {
      Json rd = Json::object();
      rd.set("kind", "managed");
      rd.set("size_mib", *u);
      o.set("root_disk", rd);
    }
    image.set("Oci", o);
  } else if (auto sn = member(opts, "snapshot")) {
    // Booting from a snapshot pins the snapshot's image (snapshot.cpp).
    SnapshotBoot boot = snapshot_boot_source(sn->as_string());
    Json o = Json::object();
    o.set("reference", boot.image_ref);
    image.set("Oci", o);
    manifest_digest = Json(boot.manifest_digest);
  }
  c.set("image", image);
  // The manifest digest an OCI create pins (the real runtime's resolved image; image.cpp).
  if (manifest_digest.is_null()) {
    const Json* oci = image.find("Oci");
    if (oci) manifest_digest = Json(image_pin_digest(oci->find("reference")->as_string()));
  }

  Json res = Json::object();
  uint64_t mem = member(opts, "memory_mib") ? opts.find("memory_mib")->as_uint() : 512;
  uint64_t cpus = member(opts, "cpus") ? opts.find("cpus")->as_uint() : 1;
  res.set("cpus", cpus);
  res.set("memory_mib", mem);
  res.set("max_cpus", member(opts, "max_cpus") ? *opts.find("max_cpus") : Json(cpus));
  res.set("max_memory_mib", member(opts, "max_memory_mib") ? *opts.find("max_memory_mib") : Json(mem));
  // skipped by the runtime when they hold their defaults
  if (auto v = member(opts, "cpu_placement"))
    if (v->as_string() != "inherit") res.set("cpu_placement", *v);
  if (auto v = member(opts, "placement_profile")) res.set("placement_profile", *v);
  if (auto v = member(opts, "thp"))
    if (v->as_string() != "madvise") res.set("thp", *v);
  c.set("resources", res);

  Json rt = Json::object();
  rt.set("workdir", or_null(opts, "workdir"));
  rt.set("shell", member(opts, "shell") ? *opts.find("shell") : Json("/bin/sh"));
  rt.set("scripts", member(opts, "scripts") ? *opts.find("scripts") : Json::object());
  rt.set("entrypoint", or_null(opts, "entrypoint"));
  rt.set("cmd", or_null(opts, "cmd"));
  rt.set("hostname", or_null(opts, "hostname"));
  rt.set("user", or_null(opts, "user"));
  rt.set("log_level", or_null(opts, "log_level"));
  rt.set("metrics_sample_interval_ms", 1000);
  rt.set("disable_metrics_sample", false);
  c.set("runtime", rt);

  Json env = Json::array();
  if (auto e = member(opts, "env"))
    for (auto& kv : e->as_object()) {
      Json v = Json::object();
      v.set("key", kv.first);
      v.set("value", kv.second);
      env.push(v);
    }
  c.set("env", env);
  c.set("labels", member(opts, "labels") ? *opts.find("labels") : Json::object());
  c.set("rlimits", Json::array());

  Json mounts = Json::array();
  if (auto vs = member(opts, "volumes"))
    for (auto& kv : vs->as_object()) {
      const Json& m = kv.second;
      Json o = Json::object();
      if (auto b = member(m, "bind")) {
        o.set("type", "Bind");
        o.set("host", *b);
        o.set("guest", kv.first);
        o.set("options", mount_options(m));
        o.set("stat_virtualization", member(m, "stat_virtualization") ? *m.find("stat_virtualization") : Json("strict"));
        o.set("host_permissions", member(m, "host_permissions") ? *m.find("host_permissions") : Json("private"));
        o.set("follow_root_symlinks", false);
        o.set("quota_mib", or_null(m, "quota_mib"));
      } else if (auto n = member(m, "named")) {
        o.set("type", "Named");
        o.set("name", *n);
        o.set("guest", kv.first);
        o.set("options", mount_options(m));
        o.set("stat_virtualization", member(m, "stat_virtualization") ? *m.find("stat_virtualization") : Json("strict"));
        o.set("host_permissions", member(m, "host_permissions") ? *m.find("host_permissions") : Json("private"));
        o.set("follow_root_symlinks", false);
      } else if (auto d = member(m, "disk")) {
        o.set("type", "DiskImage");
        o.set("host", *d);
        o.set("guest", kv.first);
        o.set("format", rust_disk_format(member(m, "format") ? m.find("format")->as_string() : "raw"));
        o.set("fstype", or_null(m, "fstype"));
        o.set("options", mount_options(m));
      } else {
        o.set("type", "Tmpfs");
        o.set("guest", kv.first);
        o.set("size_mib", or_null(m, "size_mib"));
        o.set("options", mount_options(m));
      }
      mounts.push(o);
    }
  c.set("mounts", mounts);
  c.set("patches", Json::array());

  Json net = Json::object();
  bool enabled = true;
  if (auto n = member(opts, "network"))
    if (auto e = member(*n, "enabled")) enabled = e->as_bool();
  net.set("enabled", enabled);
  Json ports = Json::array();
  auto add_port = [&](uint64_t host, uint64_t guest, const char* protocol, const std::string& bind) {
    Json p = Json::object();
    p.set("host_port", host);
    p.set("guest_port", guest);
    p.set("protocol", protocol);
    p.set("host_bind", bind);
    ports.push(p);
  };
  for (auto key : {"ports", "ports_udp"})
    if (auto pm = member(opts, key))
      for (auto& kv : pm->as_object())
        add_port(std::stoull(kv.first), kv.second.as_uint(), std::string(key) == "ports" ? "tcp" : "udp", "127.0.0.1");
  if (auto pb = member(opts, "port_bindings"))
    for (auto& b : pb->as_array())
      add_port(b.find("host_port")->as_uint(), b.find("guest_port")->as_uint(),
               member(b, "protocol") && b.find("protocol")->as_string() == "udp" ? "udp" : "tcp",
               member(b, "bind") ? b.find("bind")->as_string() : "127.0.0.1");
  net.set("ports", ports);
  net.set("max_connections", Json());
  net.set("trust_host_cas", false);
  c.set("network", net);

  if (auto i = member(opts, "init")) {
    Json init = Json::object();
    init.set("cmd", *i->find("cmd"));
    init.set("args", member(*i, "args") ? *i->find("args") : Json::array());
    Json ienv = Json::array();
    if (auto e = member(*i, "env"))
      for (auto& kv : e->as_object()) {
        Json pair = Json::array();
        pair.push(Json(kv.first));
        pair.push(kv.second);
        ienv.push(pair);
      }
    init.set("env", ienv);
    c.set("init", init);
  } else {
    c.set("init", Json());
  }
  std::string pull = member(opts, "pull_policy") ? opts.find("pull_policy")->as_string() : "if-missing";
  c.set("pull_policy", pull == "always" ? "Always" : pull == "never" ? "Never" : "IfMissing");
  c.set("security_profile", member(opts, "security_profile") ? *opts.find("security_profile") : Json("default"));
  std::string deployment = member(opts, "deployment_profile") ? opts.find("deployment_profile")->as_string() : "";
  c.set("deployment_profile", deployment == "multi-tenant" || deployment == "multi_tenant" ? "multi_tenant"
                                                                                             : "single_tenant");
  Json lc = Json::object();
  lc.set("ephemeral", member(opts, "ephemeral") ? *opts.find("ephemeral") : Json(false));
  auto positive = [&](const char* key) {
    auto v = member(opts, key);
    return v && v->as_uint() > 0 ? *v : Json();
  };
  lc.set("max_duration_secs", positive("max_duration_secs"));
  lc.set("idle_timeout_secs", positive("idle_timeout_secs"));
  c.set("lifecycle", lc);
  c.set("manifest_digest", manifest_digest);
  return c;
}

// The real runtime pins a sandbox to its image manifest (sandbox_rootfs) once its create
// booted; image remove/prune respect the pin (image.cpp).
void pin_rootfs(const std::string& name) {
  StoreLock lock;
  auto cur = load_record(name);
  if (!cur) return;
  const Json* d = cur->find("config") ? cur->find("config")->find("manifest_digest") : nullptr;
  if (!d || !d->is_string()) return;
  cur->set("rootfs_pin", *d);
  save_record(*cur);
}

// ------------------------------------------------------------ patches

std::string parent_of(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos || s == 0 ? "/" : p.substr(0, s);
}

bool exists(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

void copy_file(const std::string& src, const std::string& dst, int mode) {
  std::ifstream in(src, std::ios::binary);
  if (!in) fail("patch_failed", "patch failed: cannot read " + src);
  std::ofstream out(dst, std::ios::binary | std::ios::trunc);
  if (!out) fail("patch_failed", "patch failed: cannot write " + dst);
  out << in.rdbuf();
  out.close();
  if (mode >= 0) ::chmod(dst.c_str(), static_cast<mode_t>(mode));
}

void copy_dir(const std::string& src, const std::string& dst) {
  mkdirs(dst);
  DIR* d = opendir(src.c_str());
  if (!d) fail("patch_failed", "patch failed: cannot read directory " + src);
  while (auto* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    std::string s = src + "/" + n, t = dst + "/" + n;
    if (lstat(s.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) copy_dir(s, t);
    else if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t k = readlink(s.c_str(), buf, sizeof buf - 1);
      if (k > 0) {
        buf[k] = 0;
        if (symlink(buf, t.c_str()) != 0) {
        }
      }
    } else copy_file(s, t, static_cast<int>(st.st_mode & 07777));
  }
  closedir(d);
}

void apply_patches(const std::string& root, const Json& patches) {
  for (auto& p : patches.as_array()) {
    std::string kind = p.find("kind")->as_string();
    auto guest = [&](const char* f) {
      std::string g = p.find(f)->as_string();
      if (g.empty() || g[0] != '/') fail("patch_failed", std::string("patch failed: ") + f + " must be an absolute guest path: " + g);
      return root + g;
    };
    bool replace = member(p, "replace") && p.find("replace")->as_bool();
    int mode = member(p, "mode") ? static_cast<int>(p.find("mode")->as_uint()) : -1;
    if (kind == "text") {
      std::string path = guest("path");
      if (exists(path) && !replace) fail("patch_failed", "patch failed: path already exists: " + p.find("path")->as_string());
      mkdirs(parent_of(path));
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      if (!out) fail("patch_failed", "patch failed: cannot write " + p.find("path")->as_string());
      if (auto c = member(p, "content")) out << c->as_string();
      out.close();
      if (mode >= 0) ::chmod(path.c_str(), static_cast<mode_t>(mode));
    } else if (kind == "append") {
      std::string path = guest("path");
      mkdirs(parent_of(path));
      std::ofstream out(path, std::ios::binary | std::ios::app);
      if (!out) fail("patch_failed", "patch failed: cannot append to " + p.find("path")->as_string());
      if (auto c = member(p, "content")) out << c->as_string();
    } else if (kind == "mkdir") {
      std::string path = guest("path");
      mkdirs(path);
      if (mode >= 0) ::chmod(path.c_str(), static_cast<mode_t>(mode));
    } else if (kind == "remove") {
      remove_tree(guest("path"));
    } else if (kind == "symlink") {
      std::string link = guest("link");
      if (exists(link)) {
        if (!replace) fail("patch_failed", "patch failed: link already exists: " + p.find("link")->as_string());
        remove_tree(link);
      }
      mkdirs(parent_of(link));
      if (symlink(p.find("target")->as_string().c_str(), link.c_str()) != 0)
        fail("patch_failed", std::string("patch failed: symlink: ") + std::strerror(errno));
    } else if (kind == "copy_file") {
      std::string dst = guest("dst");
      if (exists(dst) && !replace) fail("patch_failed", "patch failed: path already exists: " + p.find("dst")->as_string());
      mkdirs(parent_of(dst));
      copy_file(p.find("src")->as_string(), dst, mode);
    } else if (kind == "copy_dir") {
      std::string dst = guest("dst");
      if (exists(dst) && !replace) fail("patch_failed", "patch failed: path already exists: " + p.find("dst")->as_string());
      struct stat st;
      if (stat(p.find("src")->as_string().c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fail("patch_failed", "patch failed: not a directory: " + p.find("src")->as_string());
      copy_dir(p.find("src")->as_string(), dst);
    }
  }
}

// ------------------------------------------------------------ helpers for exports

Json ok() {
  Json o = Json::object();
  o.set("ok", true);
  return o;
}

Json handle_result(uint64_t h) {
  Json o = Json::object();
  o.set("handle", h);
  o.set("backend_kind", "local");
  return o;
}

Json must_lookup(const std::string& name) {
  auto rec = lookup(name);
  if (!rec) fail("sandbox_not_found", "sandbox not found: " + name);
  return *rec;
}

// Stops and deletes an existing sandbox for replace (SIGTERM, grace, then SIGKILL).
void replace_existing(Call& call, const std::string& name, int64_t grace_ms) {
  auto rec = lookup(name);
  if (!rec) return;
  std::string st = rec->find("status")->as_string();
  if (st == "running" || st == "draining" || st == "paused") {
    if (grace_ms > 0) {
      request_stop(name);
      if (!wait_terminal(call, name, nullptr, grace_ms)) request_kill(call, name);
    } else {
      request_kill(call, name);
    }
    if (!wait_terminal(call, name, nullptr, 5000))
      fail("sandbox_still_running", "sandbox still running: " + name);
  }
  StoreLock lock;
  auto cur = load_record(name);
  if (cur && vm_alive(*cur)) fail("sandbox_still_running", "sandbox still running: " + name);
  delete_sandbox_state(name);
}

void verify_workdir(const Json& rec) {
  auto cfg = rec.find("config");
  auto rt = cfg->find("runtime");
  auto wd = rt ? rt->find("workdir") : nullptr;
  if (!wd || !wd->is_string()) return;
  std::string root = sandbox_root_fs(rec);
  struct stat st;
  std::string p = wd->as_string();
  if (p.empty() || p[0] != '/' || stat((root + p).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail("invalid_config", "invalid config: workdir '" + p + "' is not a directory in the guest");
}

SandboxP boot_and_verify(Call& call, Json rec, bool detached) {
  SandboxP obj = boot_sandbox(call, rec, detached);
  try {
    verify_workdir(rec);
  } catch (...) {
    request_kill(call, obj->name);
    throw;
  }
  append_system_log(obj->name, detached ? "sandbox started (detached)" : "sandbox started");
  return obj;
}

}  // namespace

// ------------------------------------------------------------ §5.3

MSB_EXPORT char* msb_sandbox_create(uint64_t cid, const char* name_p, const char* opts_p, unsigned char* buf,
                                    uintptr_t len) {
  return run_call("msb_sandbox_create", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    Json opts = arg_json(opts_p);
    {
      struct TextScope {
        explicit TextScope(const char* t) { g_create_text = t; }
        ~TextScope() { g_create_text = nullptr; }
      } text_scope(opts_p);
      check_create_options(name, opts);
    }
    bool replace = (member(opts, "replace") && opts.find("replace")->as_bool()) || member(opts, "replace_with_timeout_ms");
    int64_t grace = member(opts, "replace_with_timeout_ms") ? opts.find("replace_with_timeout_ms")->as_int() : 10000;
    bool detached = member(opts, "detached") && opts.find("detached")->as_bool();
    bool ephemeral = member(opts, "ephemeral") && opts.find("ephemeral")->as_bool();
    if (replace) replace_existing(call, name, grace);
    // Named volumes are provisioned before the record exists; a failed create that
    // provisioned some removes them and its record (the runtime's rollback).
    std::vector<std::string> provisioned =
        member(opts, "volumes") ? ensure_named_volumes(*opts.find("volumes")) : std::vector<std::string>{};
    bool inserted = false;
    try {
    Json rec = Json::object();
    {
      StoreLock lock;
      auto existing = load_record(name);
      if (existing)
        fail("internal", "sandbox already exists: sandbox '" + name +
                             "' already exists; remove it, start the stopped sandbox, or recreate with .replace()");
      rec.set("id", next_record_id());
      rec.set("name", name);
      rec.set("status", "running");
      rec.set("opts", opts);
      rec.set("config", persisted_config(name, opts));
      rec.set("created_at", now_ms() / 1000);
      rec.set("pid", 0);
      rec.set("pid_start", 0);
      rec.set("boot_id", 0);
      rec.set("boot_owner_pid", static_cast<int64_t>(getpid()));
      rec.set("ephemeral", ephemeral);
      std::string img = member(opts, "image") ? opts.find("image")->as_string() : "";
      if (member(opts, "image_bind")) rec.set("root", *opts.find("image_bind"));
      else if (is_local_path(img) && !is_disk_image(img) && !member(opts, "image_fstype")) rec.set("root", img);
      save_record(rec);
      inserted = true;
    }
    std::string root = sandbox_root_fs(rec);
    mkdirs(root);
    if (auto sn = member(opts, "snapshot"))
      snapshot_restore_upper(snapshot_boot_source(sn->as_string()).upper_path, root);
    else if (!rec.find("root"))
      for (auto d : {"/tmp", "/root", "/home", "/etc", "/var", "/app"}) mkdirs(root + d);
    // A directory volume shows at its guest path: a link from the root folder to the volume.
    if (auto vols = member(opts, "volumes"))
      for (auto& kv : vols->as_object())
        if (auto n = member(kv.second, "named")) {
          std::string at = root + kv.first;
          struct stat st;
          if (lstat(at.c_str(), &st) == 0) continue;
          auto slash = at.rfind('/');
          if (slash != std::string::npos && slash > 0) mkdirs(at.substr(0, slash));
          if (symlink(volume_path(n->as_string()).c_str(), at.c_str()) != 0) {
          }
        }
    try {
      if (auto p = member(opts, "patches")) apply_patches(root, *p);
    } catch (const MsbError&) {
      StoreLock lock;
      auto cur = load_record(name);
      if (cur) {
        cur->set("status", "stopped");
        save_record(*cur);
      }
      throw;
    }
    SandboxP obj = boot_and_verify(call, rec, detached);
    pin_rootfs(name);
    uint64_t h = g_sandboxes.insert(obj);
    return handle_result(h);
    } catch (...) {
      if (!provisioned.empty()) {
        rollback_named_volumes(provisioned);
        if (inserted) {
          StoreLock lock;
          delete_sandbox_state(name);
        }
      }
      throw;
    }
  });
}

MSB_EXPORT char* msb_sandbox_lookup(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_lookup", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    return sandbox_info(must_lookup(name));
  });
}

MSB_EXPORT char* msb_sandbox_connect(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_connect", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    Json rec = must_lookup(name);
    std::string addr = agent_address(rec);
    AgentConn c;
    c.open(addr, call.token, 10000);
    auto obj = std::make_shared<SandboxObj>();
    obj->name = name;
    obj->boot_id = rec.find("boot_id")->as_uint();
    obj->agent = addr;
    obj->owns = false;
    obj->ephemeral = rec.find("ephemeral") && rec.find("ephemeral")->as_bool();
    return handle_result(g_sandboxes.insert(obj));
  });
}

MSB_EXPORT char* msb_sandbox_start(uint64_t cid, const char* name_p, bool detached, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_start", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    Json rec;
    {
      StoreLock lock;
      auto raw = load_record(name);
      if (!raw) fail("sandbox_not_found", "sandbox not found: " + name);
      auto r = reconcile(*raw);
      if (!r) fail("sandbox_not_found", "sandbox not found: " + name);
      std::string st = r->find("status")->as_string();
      if (st == "running" || st == "draining") fail("sandbox_still_running", "sandbox still running: " + name);
      if (!is_terminal(st)) fail("internal", "cannot start sandbox '" + name + "' from status " + st);
      rec = *r;
      rec.set("boot_owner_pid", static_cast<int64_t>(getpid()));
      rec.set("pid", 0);
      rec.set("status", "running");
      save_record(rec);
    }
    SandboxP obj = boot_and_verify(call, rec, detached);
    return handle_result(g_sandboxes.insert(obj));
  });
}

MSB_EXPORT char* msb_sandbox_list(uint64_t cid, const char* filter_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_list", CidMode::Use, cid, buf, len, [&](Call&) {
    Json f = arg_json(filter_p);
    if (!f.is_object()) fail("invalid_argument", "invalid filter JSON: expected an object");
    uint64_t limit = 20;
    if (auto l = member(f, "limit")) {
      if (!l->is_integer()) fail("invalid_argument", "invalid filter JSON: limit must be an integer");
      limit = l->as_uint();
      if (limit < 1 || limit > 100) fail("invalid_config", "invalid config: list limit must be between 1 and 100");
    }
    uint64_t after = UINT64_MAX;
    if (auto c = member(f, "cursor")) {
      std::string raw;
      try {
        raw = base64_decode(c->as_string());
      } catch (...) {
        fail("internal", "invalid cursor");
      }
      if (raw.rfind("msbd:", 0) != 0) fail("internal", "invalid cursor");
      after = std::strtoull(raw.c_str() + 5, nullptr, 10);
    }
    auto recs = all_records();
    std::sort(recs.begin(), recs.end(), [](const Json& a, const Json& b) {
      return a.find("id")->as_uint() > b.find("id")->as_uint();
    });
    Json labels = member(f, "labels") ? *f.find("labels") : Json::object();
    Json arr = Json::array();
    uint64_t last = 0;
    bool more = false;
    for (auto& r : recs) {
      uint64_t id = r.find("id")->as_uint();
      if (id >= after) continue;
      bool match = true;
      const Json* have = r.find("config")->find("labels");
      for (auto& kv : labels.as_object()) {
        const Json* v = have ? have->find(kv.first) : nullptr;
        if (!v || !kv.second.is_string() || v->as_string() != kv.second.as_string()) {
          match = false;
          break;
        }
      }
      if (!match) continue;
      if (arr.size() == limit) {
        more = true;
        break;
      }
      arr.push(sandbox_info(r));
      last = id;
    }
    Json o = Json::object();
    o.set("sandboxes", arr);
    o.set("next_cursor", more ? Json(base64_encode("msbd:" + std::to_string(last))) : Json());
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_remove(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_remove", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    StoreLock lock;
    auto raw = load_record(name);
    if (!raw) fail("sandbox_not_found", "sandbox not found: " + name);
    auto rec = reconcile(*raw);
    if (!rec) fail("sandbox_not_found", "sandbox not found: " + name);
    std::string st = rec->find("status")->as_string();
    if (!is_terminal(st)) fail("sandbox_still_running", "sandbox still running: " + name);
    delete_sandbox_state(name);
    return ok();
  });
}

// ------------------------------------------------------------ §5.4 handle operations

namespace {
Json rec_for(const SandboxP& s) {
  auto rec = lookup(s->name);
  if (!rec) fail("sandbox_not_found", "sandbox not found: " + s->name);
  return *rec;
}
// The agent of the very VM this handle is connected to.
std::string live_agent(const SandboxP& s) {
  auto rec = lookup(s->name);
  if (!rec || rec->find("boot_id")->as_uint() != s->boot_id || !vm_alive(*rec))
    fail("internal", "agent client error: connection closed");
  return s->agent;
}
Json exit_code_of(const VmProcP& p) {
  Json o = Json::object();
  int st = p->status;
  o.set("exit_code", WIFEXITED(st) ? Json(static_cast<int64_t>(WEXITSTATUS(st))) : Json());
  return o;
}
}  // namespace

MSB_EXPORT char* msb_sandbox_close(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_close", CidMode::Ignore, cid, buf, len, [&](Call&) {
    g_sandboxes.take(h);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_detach(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_detach", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.take(h);
    if (s.use_count() > 1)
      fail("internal", "detach while another sandbox operation is in flight on the same handle");
    if (s->watchdog_fd >= 0) {
      try {
        Json req = Json::object();
        req.set("op", "disarm");
        agent_request(s->agent, req, call.token, 5000);
      } catch (const Cancelled&) {
        throw;
      } catch (...) {
      }
      ::close(s->watchdog_fd);
      s->watchdog_fd = -1;
    }
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_stop(uint64_t cid, uint64_t h, uint64_t timeout_ms, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_stop", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    stop_sandbox(call, s->name, s, timeout_ms);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_request_stop(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_request_stop", CidMode::Use, cid, buf, len, [&](Call&) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    request_stop(s->name);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_stop_and_wait(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_stop_and_wait", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    request_stop(s->name);
    if (!s->owns || !s->proc) {
      Json o = Json::object();
      o.set("exit_code", 0);
      return o;
    }
    std::unique_lock<std::mutex> lk(s->proc->w->m);
    wait_on(lk, s->proc->w, call.token, -1, [&] { return s->proc->exited; });
    lk.unlock();
    lookup(s->name);
    return exit_code_of(s->proc);
  });
}

MSB_EXPORT char* msb_sandbox_kill(uint64_t cid, uint64_t h, uint64_t timeout_ms, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_kill", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    kill_sandbox(call, s->name, s, timeout_ms);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_request_kill(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_request_kill", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    request_kill(call, s->name);
    return ok();
  });
}

static char* drain_impl(const char* fn, uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call(fn, CidMode::Use, cid, buf, len, [&](Call&) {
    SandboxP s = g_sandboxes.get(h);
    rec_for(s);
    request_drain(s->name);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_drain(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return drain_impl("msb_sandbox_drain", cid, h, buf, len);
}
MSB_EXPORT char* msb_sandbox_request_drain(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return drain_impl("msb_sandbox_request_drain", cid, h, buf, len);
}

MSB_EXPORT char* msb_sandbox_wait(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_wait", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    if (!s->owns || !s->proc) fail("internal", "cannot wait: not the lifecycle owner");
    std::unique_lock<std::mutex> lk(s->proc->w->m);
    wait_on(lk, s->proc->w, call.token, -1, [&] { return s->proc->exited; });
    lk.unlock();
    lookup(s->name);
    return exit_code_of(s->proc);
  });
}

MSB_EXPORT char* msb_sandbox_wait_until_stopped(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_wait_until_stopped", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    return wait_until_stopped(call, s->name, s, s->ephemeral);
  });
}

MSB_EXPORT char* msb_sandbox_ping(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_ping", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    std::string addr = live_agent(s);
    auto t0 = std::chrono::steady_clock::now();
    Json req = Json::object();
    req.set("op", "ping");
    agent_request(addr, req, call.token, 10000);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    Json o = Json::object();
    o.set("name", s->name);
    o.set("latency_ms", ms);
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_touch(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_touch", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP s = g_sandboxes.get(h);
    std::string addr = live_agent(s);
    Json req = Json::object();
    req.set("op", "touch");
    Json r = agent_request(addr, req, call.token, 10000);
    Json o = Json::object();
    o.set("name", s->name);
    o.set("activity_seq", *r.find("activity_seq"));
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_owns_lifecycle(uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_owns_lifecycle", CidMode::None, 0, buf, len, [&](Call&) {
    auto s = g_sandboxes.find(h);
    Json o = Json::object();
    o.set("owns", s && s->owns && s->watchdog_fd >= 0);
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_remove_persisted(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_remove_persisted", CidMode::Use, cid, buf, len, [&](Call&) {
    SandboxP s = g_sandboxes.take(h);
    if (s.use_count() > 1) fail("internal", "sandbox handle still referenced");
    StoreLock lock;
    auto raw = load_record(s->name);
    if (!raw) fail("sandbox_not_found", "sandbox not found: " + s->name);
    auto rec = reconcile(*raw);
    if (!rec) fail("sandbox_not_found", "sandbox not found: " + s->name);
    if (!is_terminal(rec->find("status")->as_string()))
      fail("sandbox_still_running", "sandbox still running: " + s->name);
    if (rec->find("boot_id")->as_uint() != s->boot_id)
      fail("internal", "sandbox '" + s->name + "' now belongs to a newer sandbox; refusing to remove it");
    delete_sandbox_state(s->name);
    return ok();
  });
}

// ------------------------------------------------------------ §5.5 by name

MSB_EXPORT char* msb_sandbox_handle_stop(uint64_t cid, const char* name_p, uint64_t timeout_ms, unsigned char* buf,
                                         uintptr_t len) {
  return run_call("msb_sandbox_handle_stop", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    Json rec = must_lookup(name);
    if (!is_terminal(rec.find("status")->as_string())) stop_sandbox(call, name, nullptr, timeout_ms);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_handle_request_stop(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_request_stop", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    must_lookup(name);
    request_stop(name);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_handle_kill(uint64_t cid, const char* name_p, uint64_t timeout_ms, unsigned char* buf,
                                         uintptr_t len) {
  return run_call("msb_sandbox_handle_kill", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    Json rec = must_lookup(name);
    if (!is_terminal(rec.find("status")->as_string())) kill_sandbox(call, name, nullptr, timeout_ms);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_handle_request_kill(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_request_kill", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    must_lookup(name);
    request_kill(call, name);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_handle_request_drain(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_request_drain", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    must_lookup(name);
    request_drain(name);
    return ok();
  });
}

MSB_EXPORT char* msb_sandbox_handle_wait_until_stopped(uint64_t cid, const char* name_p, unsigned char* buf,
                                                       uintptr_t len) {
  return run_call("msb_sandbox_handle_wait_until_stopped", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    return wait_until_stopped(call, name, nullptr, false);
  });
}

MSB_EXPORT char* msb_sandbox_handle_ping(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_ping", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    std::string addr = agent_address(must_lookup(name), "ping");
    auto t0 = std::chrono::steady_clock::now();
    Json req = Json::object();
    req.set("op", "ping");
    agent_request(addr, req, call.token, 10000);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    Json o = Json::object();
    o.set("name", name);
    o.set("latency_ms", ms);
    return o;
  });
}

MSB_EXPORT char* msb_sandbox_handle_touch(uint64_t cid, const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_handle_touch", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string name = arg_str(name_p);
    std::string addr = agent_address(must_lookup(name), "touch");
    Json req = Json::object();
    req.set("op", "touch");
    Json r = agent_request(addr, req, call.token, 10000);
    Json o = Json::object();
    o.set("name", name);
    o.set("activity_seq", *r.find("activity_seq"));
    return o;
  });
}

// Shape B: the agent relay address of a sandbox, derived from its name.
MSB_EXPORT char* msb_agent_socket_path(const char* name_p, unsigned char* buf, uintptr_t len) {
  return run_call("msb_agent_socket_path", CidMode::None, 0, buf, len, [&](Call&) {
    std::string name = arg_str(name_p);
    validate_name(name);
    Json o = Json::object();
    o.set("path", sandbox_dir(name) + "/agent.sock");
    return o;
  });
}
