// §5.13: snapshots in the runtime double. An artefact is a directory (default parent
// $MSB_HOME/snapshots) holding the canonical descriptor `snapshot.json` and the captured
// upper `upper.ext4` — here a tar of the stopped sandbox's root folder, since the double
// has no ext4 upper. The descriptor's SHA-256 is the snapshot's identity; an optional
// integrity record (algorithm `sha256`) covers the upper. The local index (the real
// runtime's snapshot_index table) is $MSB_HOME/snapshot_index.json.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "archive.hpp"
#include "sandbox.hpp"

using namespace msbd;

namespace {

const char* DESCRIPTOR = "snapshot.json";
const char* UPPER = "upper.ext4";

std::string snapshots_dir() { return msb_home() + "/snapshots"; }
std::string index_path() { return msb_home() + "/snapshot_index.json"; }

class IndexLock {
 public:
  IndexLock() {
    mkdirs(msb_home());
    fd_ = ::open((msb_home() + "/.snapshot_index.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~IndexLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

Json load_index() {
  if (!arc::exists(index_path())) return Json::array();
  return Json::parse(arc::read_file(index_path()));
}
void save_index(const Json& rows) { arc::write_file_atomic(index_path(), rows.dump()); }

bool looks_like_path(const std::string& s) { return s.find('/') != std::string::npos || s[0] == '.' || s[0] == '~'; }
bool is_digest(const std::string& s) { return s.rfind("sha256:", 0) == 0 || s.rfind("sha512:", 0) == 0; }

std::string rfc3339_now() {
  int64_t ms = now_ms();
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}
int64_t parse_rfc3339(const std::string& s) {
  struct tm tm;
  std::memset(&tm, 0, sizeof tm);
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    return now_ms() / 1000;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

struct Artifact {
  std::string path;
  std::string digest;
  Json manifest;
};

const Json& file_state(const Artifact& a) { return *a.manifest.find("state"); }

// Opens an artefact as msb_snapshot_open does (runtime-abi.md §5.13).
Artifact open_artifact(const std::string& path_or_name, bool auto_index);

Json artifact_json(const Artifact& a) {
  const Json& m = a.manifest;
  const Json& st = file_state(a);
  const Json* upper = st.find("upper");
  const Json* integ = upper ? upper->find("integrity") : nullptr;
  bool has = integ && integ->is_object();
  Json labels = m.find("labels") ? *m.find("labels") : Json::object();
  Json o = Json::object();
  o.set("path", a.path);
  o.set("digest", a.digest);
  o.set("size_bytes", upper ? *upper->find("size_bytes") : Json());
  o.set("image_ref", *m.find("image")->find("ref"));
  o.set("image_manifest_digest", *m.find("image")->find("manifest_digest"));
  o.set("scope", *m.find("scope"));
  o.set("state_kind", "file");
  o.set("format", *st.find("format"));
  o.set("fstype", *st.find("fstype"));
  o.set("upper_file", upper ? *upper->find("file") : Json());
  o.set("upper_integrity_algorithm", has ? *integ->find("algorithm") : Json());
  o.set("upper_integrity_digest", has ? *integ->find("digest") : Json());
  o.set("upper_integrity_root", Json());
  o.set("upper_integrity_logical_size", Json());
  o.set("upper_integrity_leaf_size", Json());
  o.set("checkpoint_id", Json());
  o.set("checkpoint_manifest_digest", Json());
  o.set("parent", *m.find("parent"));
  o.set("created_at", *m.find("created_at"));
  o.set("labels", labels);
  o.set("source_sandbox", m.find("source_sandbox") ? *m.find("source_sandbox") : Json());
  return o;
}

Json row_of(const Artifact& a) {
  const Json& st = file_state(a);
  Json r = Json::object();
  r.set("digest", a.digest);
  r.set("name", arc::basename(a.path));
  r.set("parent_digest", *a.manifest.find("parent"));
  r.set("image_ref", *a.manifest.find("image")->find("ref"));
  r.set("image_manifest_digest", *a.manifest.find("image")->find("manifest_digest"));
  r.set("scope", *a.manifest.find("scope"));
  r.set("state_kind", "file");
  r.set("format", *st.find("format"));
  r.set("fstype", *st.find("fstype"));
  r.set("checkpoint_manifest_digest", Json());
  r.set("size_bytes", *st.find("upper")->find("size_bytes"));
  r.set("locality", "embedded");
  r.set("availability", "ready");
  r.set("migration_state", "canonical");
  r.set("migration_error_code", Json());
  r.set("created_at_unix", parse_rfc3339(a.manifest.find("created_at")->as_string()));
  r.set("path", a.path);
  r.set("child_count", 0);
  r.set("indexed_seq", now_ms());
  return r;
}

Json handle_json(const Json& row) {
  Json o = Json::object();
  for (auto k : {"digest", "name", "parent_digest", "image_ref", "scope", "state_kind", "format", "fstype",
                 "checkpoint_manifest_digest", "size_bytes", "locality", "availability", "migration_state",
                 "migration_error_code", "created_at_unix", "path"})
    o.set(k, row.find(k) ? *row.find(k) : Json());
  return o;
}

// Inserts or replaces the row (by digest, path or name), as index_upsert does.
void index_upsert(const Artifact& a) {
  IndexLock lock;
  Json rows = load_index();
  std::string name = arc::basename(a.path);
  Json kept = Json::array();
  for (auto& r : rows.as_array()) {
    bool superseded = r.find("digest")->as_string() == a.digest || r.find("path")->as_string() == a.path ||
                      (r.find("name")->is_string() && r.find("name")->as_string() == name);
    if (!superseded) kept.push(r);
  }
  kept.push(row_of(a));
  save_index(kept);
}

std::optional<Json> index_find(const std::function<bool(const Json&)>& pred) {
  IndexLock lock;
  Json rows = load_index();
  for (auto& r : rows.as_array())
    if (pred(r)) return r;
  return std::nullopt;
}

void index_remove(const std::string& digest) {
  IndexLock lock;
  Json rows = load_index();
  Json kept = Json::array();
  for (auto& r : rows.as_array())
    if (r.find("digest")->as_string() != digest) kept.push(r);
  save_index(kept);
}

Artifact open_artifact(const std::string& path_or_name, bool auto_index) {
  if (path_or_name.empty()) fail("invalid_config", "invalid config: snapshot path or name must not be empty");
  std::string dir = looks_like_path(path_or_name) ? path_or_name : snapshots_dir() + "/" + path_or_name;
  if (!arc::exists(dir)) fail("snapshot_not_found", "snapshot not found: " + dir);
  std::string mpath = dir + "/" + DESCRIPTOR;
  if (!arc::is_file(mpath)) fail("snapshot_not_found", "snapshot not found: " + mpath + ": No such file or directory (os error 2)");
  Artifact a;
  a.path = dir;
  try {
    a.manifest = Json::parse(arc::read_file(mpath));
  } catch (const ParseError& e) {
    fail("snapshot_integrity", std::string("snapshot integrity check failed: invalid descriptor: ") + e.what());
  }
  const Json* schema = a.manifest.find("schema");
  const Json* kind = a.manifest.find("artifact");
  const Json* st = a.manifest.find("state");
  if (!schema || !schema->is_integer() || schema->as_int() != 1 || !kind || !kind->is_string() ||
      kind->as_string() != "snapshot" || !st || !st->is_object() || !a.manifest.find("image"))
    fail("snapshot_integrity", "snapshot integrity check failed: unsupported or malformed snapshot descriptor");
  a.digest = "sha256:" + sha256_hex(a.manifest.dump());
  const Json* upper = st->find("upper");
  std::string upath = dir + "/" + upper->find("file")->as_string();
  if (!arc::exists(upath))
    fail("snapshot_integrity", "snapshot integrity check failed: missing upper file: " + upath +
                                   ": No such file or directory (os error 2)");
  if (!arc::is_file(upath)) fail("snapshot_integrity", "snapshot integrity check failed: upper is not a regular file: " + upath);
  uint64_t actual = arc::file_size(upath);
  uint64_t recorded = upper->find("size_bytes")->as_uint();
  if (actual != recorded)
    fail("snapshot_integrity", "snapshot integrity check failed: upper size mismatch: descriptor says " +
                                   std::to_string(recorded) + ", file is " + std::to_string(actual));
  if (auto_index && arc::dirname(dir) == snapshots_dir() &&
      !index_find([&](const Json& r) { return r.find("digest")->as_string() == a.digest; }))
    index_upsert(a);
  return a;
}

std::vector<Artifact> list_artifacts(const std::string& dir) {
  std::vector<Artifact> out;
  if (!arc::is_dir(dir)) return out;
  for (auto& n : arc::list_dir(dir)) {
    if (n[0] == '.') continue;
    std::string p = dir + "/" + n;
    if (!arc::is_dir(p) || !arc::exists(p + "/" + DESCRIPTOR)) continue;
    try {
      out.push_back(open_artifact(p, true));
    } catch (const MsbError&) {
      // a malformed artefact is skipped, as the real runtime does
    }
  }
  return out;
}

struct CreateOpts {
  std::string name;
  std::string dest_dir;
  Json labels = Json::object();
  bool force = false, integrity = false, resumable = false;
};

CreateOpts parse_create(const Json& o) {
  if (!o.is_object()) fail("invalid_argument", "invalid opts JSON: invalid type: expected struct SnapshotCreateOpts");
  CreateOpts c;
  auto str = [&](const char* k, std::string& out) {
    const Json* v = o.find(k);
    if (!v || v->is_null()) return false;
    if (!v->is_string()) fail("invalid_argument", std::string("invalid opts JSON: invalid type for `") + k + "`, expected a string");
    out = v->as_string();
    return true;
  };
  auto flag = [&](const char* k, bool& out) {
    const Json* v = o.find(k);
    if (!v || v->is_null()) return;
    if (!v->is_bool()) fail("invalid_argument", std::string("invalid opts JSON: invalid type for `") + k + "`, expected a boolean");
    out = v->as_bool();
  };
  bool has_name = str("name", c.name);
  str("dest_dir", c.dest_dir);
  if (const Json* l = o.find("labels"); l && !l->is_null()) {
    if (!l->is_object()) fail("invalid_argument", "invalid opts JSON: invalid type for `labels`, expected a map");
    for (auto& kv : l->as_object())
      if (!kv.second.is_string()) fail("invalid_argument", "invalid opts JSON: label values must be strings");
    c.labels = *l;
  }
  flag("force", c.force);
  flag("record_integrity", c.integrity);
  flag("resumable", c.resumable);
  if (!has_name) fail("invalid_argument", "snapshot create requires name");
  return c;
}

Json create_snapshot(Call& call, const std::string& source, const CreateOpts& o) {
  if (o.resumable)
    fail("unsupported_operation",
         "snapshot operations is not supported by this backend: resumable snapshots require VM pause/resume restore support");
  if (o.name.empty()) fail("invalid_config", "invalid config: snapshot name must not be empty");
  if (o.name.find_first_of("/\\:") != std::string::npos || o.name[0] == '.' || o.name[0] == '~')
    fail("invalid_config", "invalid config: snapshot name must be a bare identifier, not a path: '" + o.name +
                               "' (use dest_dir to choose a parent directory)");
  std::string dest = (o.dest_dir.empty() ? snapshots_dir() : o.dest_dir) + "/" + o.name;
  if (arc::exists(dest) && !o.force) fail("snapshot_already_exists", "snapshot already exists: " + dest);
  auto rec = lookup(source);
  if (!rec) fail("sandbox_not_found", "sandbox not found: " + source);
  std::string status = rec->find("status")->as_string();
  if (status == "running" || status == "draining" || status == "paused")
    fail("snapshot_sandbox_running", "snapshot source sandbox '" + source + "' is not stopped");
  const Json* cfg = rec->find("config");
  const Json* pinned = cfg ? cfg->find("manifest_digest") : nullptr;
  if (!pinned || !pinned->is_string())
    fail("invalid_config", "invalid config: sandbox '" + source +
                               "' has no OCI image pinned; only OCI-rooted sandboxes can be snapshotted");
  const Json* oci = cfg->find("image") ? cfg->find("image")->find("Oci") : nullptr;
  if (!oci) fail("invalid_config", "invalid config: snapshot requires an OCI-rooted sandbox");
  if (const Json* rd = oci->find("root_disk"); rd && rd->is_object()) {
    std::string kind = rd->find("kind") ? rd->find("kind")->as_string() : "managed";
    if (kind == "tmpfs")
      fail("invalid_config", "invalid config: sandbox '" + source +
                                 "' uses a tmpfs root disk, which is ephemeral and cannot be snapshotted; use the managed kind");
    if (kind == "disk-image")
      fail("invalid_config", "invalid config: sandbox '" + source +
                                 "' uses a user-owned disk-image root disk, which microsandbox does not snapshot");
    if (kind == "flat")
      fail("invalid_config", "invalid config: sandbox '" + source +
                                 "' uses a flat root disk, which is not yet supported by snapshots");
  }
  std::string root = sandbox_root_fs(*rec);
  if (!arc::is_dir(root))
    fail("internal", "source sandbox '" + source + "' has no upper.ext4 at " + sandbox_dir(source) + "/upper.ext4");

  // Stage beside the destination; promote when complete.
  std::string parent = arc::dirname(dest);
  mkdirs(parent);
  std::string staging = parent + "/." + o.name + ".staging";
  remove_tree(staging);
  mkdirs(staging);
  try {
    {
      arc::TarWriter w(staging + "/" + UPPER);
      arc::tar_tree(w, root, "");
      call.check_cancel();
      w.finish();
    }
    uint64_t size = arc::file_size(staging + "/" + UPPER);
    // The real descriptor's members, in its order.
    Json upper = Json::object();
    upper.set("file", UPPER);
    upper.set("size_bytes", size);
    if (o.integrity) {
      Json integ = Json::object();
      integ.set("algorithm", "sha256");
      integ.set("digest", "sha256:" + sha256_file_hex(staging + "/" + UPPER, &call));
      upper.set("integrity", integ);
    } else {
      upper.set("integrity", Json());
    }
    Json state = Json::object();
    state.set("kind", "file");
    state.set("format", "raw");
    state.set("fstype", "ext4");
    state.set("upper", upper);
    Json image = Json::object();
    image.set("ref", *oci->find("reference"));
    image.set("manifest_digest", *pinned);
    Json m = Json::object();
    m.set("schema", 1);
    m.set("artifact", "snapshot");
    m.set("scope", "disk");
    m.set("created_at", rfc3339_now());
    m.set("parent", Json());
    m.set("image", image);
    m.set("source_sandbox", source);
    m.set("state", state);
    m.set("labels", o.labels);
    m.set("extensions", Json::object());
    m.set("requires", Json::array());
    arc::write_file_atomic(staging + "/" + DESCRIPTOR, m.dump());
    call.check_cancel();
  } catch (...) {
    remove_tree(staging);
    throw;
  }
  if (arc::exists(dest)) remove_tree(dest);
  if (::rename(staging.c_str(), dest.c_str()) != 0) {
    remove_tree(staging);
    fail("io", "io error: " + dest + ": " + std::strerror(errno));
  }
  Artifact a = open_artifact(dest, false);
  index_upsert(a);
  return artifact_json(a);
}

}  // namespace

// ------------------------------------------------------------ hooks

SnapshotBoot msbd::snapshot_boot_source(const std::string& ref) {
  Artifact a = open_artifact(ref, true);
  SnapshotBoot b;
  b.image_ref = a.manifest.find("image")->find("ref")->as_string();
  b.manifest_digest = a.manifest.find("image")->find("manifest_digest")->as_string();
  b.upper_path = a.path + "/" + file_state(a).find("upper")->find("file")->as_string();
  return b;
}

void msbd::snapshot_restore_upper(const std::string& upper_path, const std::string& root) {
  arc::untar_into(arc::read_tar(upper_path, nullptr, "snapshot_integrity", "snapshot integrity check failed: "), root,
                  "");
}

std::vector<std::string> msbd::snapshot_pinned_digests() {
  IndexLock lock;
  std::vector<std::string> out;
  for (auto& r : load_index().as_array())
    if (auto d = r.find("image_manifest_digest"))
      if (d->is_string()) out.push_back(d->as_string());
  return out;
}

// ------------------------------------------------------------ exports

MSB_EXPORT char* msb_sandbox_handle_snapshot(uint64_t cancel_id, const char* sandbox_name, const char* snapshot_name,
                                             unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_handle_snapshot", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string sandbox = arg_str(sandbox_name);
    std::string name = arg_str(snapshot_name);
    if (!lookup(sandbox)) fail("sandbox_not_found", "sandbox not found: " + sandbox);
    CreateOpts o;
    o.name = name;
    return create_snapshot(call, sandbox, o);
  });
}

MSB_EXPORT char* msb_snapshot_create(uint64_t cancel_id, const char* source_sandbox, const char* opts_json,
                                     unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_create", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string source = arg_str(source_sandbox);
    CreateOpts o = parse_create(arg_json(opts_json));
    return create_snapshot(call, source, o);
  });
}

MSB_EXPORT char* msb_snapshot_open(uint64_t cancel_id, const char* path_or_name, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_open", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    return artifact_json(open_artifact(arg_str(path_or_name), true));
  });
}

MSB_EXPORT char* msb_snapshot_verify(uint64_t cancel_id, const char* path_or_name, unsigned char* buf,
                                     uintptr_t buf_len) {
  return run_call("msb_snapshot_verify", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    Artifact a = open_artifact(arg_str(path_or_name), true);
    const Json* integ = file_state(a).find("upper")->find("integrity");
    Json upper = Json::object();
    if (!integ || !integ->is_object()) {
      upper.set("kind", "not_recorded");
    } else {
      std::string file = a.path + "/" + file_state(a).find("upper")->find("file")->as_string();
      std::string expected = integ->find("digest")->as_string();
      std::string actual = "sha256:" + sha256_file_hex(file, &call);
      if (actual != expected)
        fail("snapshot_integrity",
             "snapshot integrity check failed: upper integrity mismatch: descriptor=" + expected + ", file=" + actual);
      upper.set("kind", "verified");
      upper.set("algorithm", *integ->find("algorithm"));
      upper.set("digest", actual);
    }
    Json out = Json::object();
    out.set("digest", a.digest);
    out.set("path", a.path);
    out.set("upper", upper);
    return out;
  });
}

MSB_EXPORT char* msb_snapshot_get(uint64_t cancel_id, const char* name_or_digest, unsigned char* buf,
                                  uintptr_t buf_len) {
  return run_call("msb_snapshot_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    std::string needle = arg_str(name_or_digest);
    std::optional<Json> row;
    if (is_digest(needle)) {
      row = index_find([&](const Json& r) { return r.find("digest")->as_string() == needle; });
    } else if (!needle.empty() && looks_like_path(needle)) {
      std::string canon = arc::absolute(needle);
      row = index_find([&](const Json& r) { return r.find("path")->as_string() == canon || r.find("path")->as_string() == needle; });
    } else {
      row = index_find([&](const Json& r) { return r.find("name")->is_string() && r.find("name")->as_string() == needle; });
    }
    if (!row) fail("snapshot_not_found", "snapshot not found: " + needle);
    return handle_json(*row);
  });
}

MSB_EXPORT char* msb_snapshot_list(uint64_t cancel_id, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    Json rows;
    {
      IndexLock lock;
      rows = load_index();
    }
    std::vector<Json> v(rows.as_array().begin(), rows.as_array().end());
    std::stable_sort(v.begin(), v.end(), [](const Json& a, const Json& b) {
      int64_t ca = a.find("created_at_unix")->as_int(), cb = b.find("created_at_unix")->as_int();
      if (ca != cb) return ca > cb;
      return a.find("indexed_seq")->as_int() > b.find("indexed_seq")->as_int();
    });
    Json out = Json::array();
    for (auto& r : v) out.push(handle_json(r));
    return out;
  });
}

MSB_EXPORT char* msb_snapshot_list_dir(uint64_t cancel_id, const char* dir, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_list_dir", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    Json out = Json::array();
    for (auto& a : list_artifacts(arg_str(dir))) out.push(artifact_json(a));
    return out;
  });
}

MSB_EXPORT char* msb_snapshot_remove(uint64_t cancel_id, const char* path_or_name, bool force, unsigned char* buf,
                                     uintptr_t buf_len) {
  return run_call("msb_snapshot_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    std::string needle = arg_str(path_or_name);
    std::string digest, path;
    if (is_digest(needle)) {
      auto row = index_find([&](const Json& r) { return r.find("digest")->as_string() == needle; });
      if (!row) fail("snapshot_not_found", "snapshot not found: " + needle);
      digest = needle;
      path = row->find("path")->as_string();
    } else if (looks_like_path(needle)) {
      Artifact a = open_artifact(needle, false);
      digest = a.digest;
      path = a.path;
    } else {
      auto row = index_find([&](const Json& r) { return r.find("name")->is_string() && r.find("name")->as_string() == needle; });
      if (row) {
        digest = row->find("digest")->as_string();
        path = row->find("path")->as_string();
      } else {
        Artifact a = open_artifact(snapshots_dir() + "/" + needle, false);
        digest = a.digest;
        path = a.path;
      }
    }
    auto row = index_find([&](const Json& r) { return r.find("digest")->as_string() == digest; });
    if (row && row->find("child_count")->as_int() > 0 && !force)
      fail("internal", "snapshot " + digest + " has " + std::to_string(row->find("child_count")->as_int()) +
                           " indexed child snapshot(s); pass --force to remove anyway");
    index_remove(digest);
    if (arc::exists(path)) remove_tree(path);
    Json ok = Json::object();
    ok.set("ok", true);
    return ok;
  });
}

MSB_EXPORT char* msb_snapshot_reindex(uint64_t cancel_id, const char* dir, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_reindex", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    uint64_t n = 0;
    for (auto& a : list_artifacts(arg_str(dir))) {
      index_upsert(a);
      n++;
    }
    Json out = Json::object();
    out.set("indexed", n);
    return out;
  });
}

MSB_EXPORT char* msb_snapshot_export(uint64_t cancel_id, const char* name_or_path, const char* out,
                                     const char* opts_json, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_export", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string src = arg_str(name_or_path);
    std::string out_path = arg_str(out);
    Json opts = arg_json(opts_json);
    if (!opts.is_object()) fail("invalid_argument", "invalid opts JSON: invalid type: expected struct SnapshotSaveOpts");
    auto flag = [&](const char* k) {
      const Json* v = opts.find(k);
      if (v && !v->is_null() && !v->is_bool())
        fail("invalid_argument", std::string("invalid opts JSON: invalid type for `") + k + "`, expected a boolean");
      return v && v->is_bool() && v->as_bool();
    };
    bool with_parents = flag("with_parents"), with_image = flag("with_image"), plain_tar = flag("plain_tar");
    // The double writes plain tars and has no parent chains: both flags change nothing here.
    (void)with_parents;
    (void)plain_tar;
    Artifact a = open_artifact(src, true);
    std::string image_ref = a.manifest.find("image")->find("ref")->as_string();
    if (with_image && !image_cached(image_ref))
      fail("internal", "image metadata missing from cache for " + image_ref);
    // The real archive's layout: descriptors under snapshots/<digest hex>/, payloads under
    // files/<digest hex>/.
    std::string hex = a.digest.substr(a.digest.find(':') + 1);
    arc::TarWriter w(out_path);
    w.add_file("snapshots/" + hex + "/" + DESCRIPTOR, arc::read_file(a.path + "/" + DESCRIPTOR));
    call.check_cancel();
    w.add_file("files/" + hex + "/" + UPPER, arc::read_file(a.path + "/" + UPPER));
    call.check_cancel();
    w.finish();
    Json ok = Json::object();
    ok.set("ok", true);
    return ok;
  });
}

MSB_EXPORT char* msb_snapshot_import(uint64_t cancel_id, const char* archive, const char* dest, unsigned char* buf,
                                     uintptr_t buf_len) {
  return run_call("msb_snapshot_import", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string archive_path = arg_str(archive);
    std::string dest_dir = arg_str(dest);
    if (!arc::is_file(archive_path)) fail("io", "io error: " + archive_path + ": No such file or directory (os error 2)");
    auto entries = arc::read_tar(archive_path, &call, "snapshot_integrity", "snapshot integrity check failed: ");
    // The head: the descriptor under snapshots/<digest hex>/; it is unpacked (with its
    // payload from files/<digest hex>/) into <dest>/<digest hex>, as the real runtime does.
    std::string head;
    for (auto& e : entries)
      if (e.type == '0' && e.path.rfind("snapshots/", 0) == 0 && arc::basename(e.path) == DESCRIPTOR)
        head = arc::basename(arc::dirname(e.path));
    if (head.empty()) fail("snapshot_integrity", "snapshot integrity check failed: archive contains no snapshot descriptor");
    std::string parent = dest_dir.empty() ? snapshots_dir() : dest_dir;
    std::string target = parent + "/" + head;
    if (arc::exists(target)) fail("snapshot_already_exists", "snapshot already exists: " + target);
    std::string staging = parent + "/." + head + ".import";
    remove_tree(staging);
    try {
      arc::untar_into(entries, staging, "snapshots/" + head);
      arc::untar_into(entries, staging, "files/" + head);
      call.check_cancel();
      Artifact check = open_artifact(staging, false);
      if (check.digest != "sha256:" + head)
        fail("snapshot_integrity", "snapshot integrity check failed: archive descriptor digest " + check.digest +
                                       " does not match its entry " + head);
    } catch (...) {
      remove_tree(staging);
      throw;
    }
    if (::rename(staging.c_str(), target.c_str()) != 0) {
      remove_tree(staging);
      fail("io", "io error: " + target + ": " + std::strerror(errno));
    }
    Artifact a = open_artifact(target, false);
    index_upsert(a);
    auto row = index_find([&](const Json& r) { return r.find("digest")->as_string() == a.digest; });
    return handle_json(*row);
  });
}
