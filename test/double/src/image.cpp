// §5.12: the local image cache of the runtime double. Images come only from archives
// (msb_image_load; nothing is pulled): a `docker save` tarball (manifest.json with
// RepoTags, the config, layer tars) or an OCI image layout (oci-layout, index.json,
// blobs/sha256/). The cache lives under $MSB_HOME/cache/double-images/: store.json (the
// references, manifests, configs and layers the real runtime keeps in its database) and
// the blobs by digest. Digests are computed as the real runtime computes them: the config
// and layer blobs by SHA-256, the manifest of a docker archive as the OCI manifest the
// runtime synthesises for it.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "archive.hpp"
#include "sandbox.hpp"

using namespace msbd;

namespace {

const char* OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const char* OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const char* OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const char* LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
const char* LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const char* LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
const char* REF_ANNOTATION = "org.opencontainers.image.ref.name";

std::string cache_dir() { return msb_home() + "/cache/double-images"; }
std::string blob_path(const std::string& digest) {
  auto c = digest.find(':');
  return cache_dir() + "/blobs/sha256/" + (c == std::string::npos ? digest : digest.substr(c + 1));
}

// Guards store.json across threads and processes (its own file: the sandbox store lock
// is taken by record reads that image calls make).
class CacheLock {
 public:
  CacheLock() {
    mkdirs(cache_dir());
    fd_ = ::open((cache_dir() + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~CacheLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

Json load_store() {
  std::string p = cache_dir() + "/store.json";
  if (!arc::exists(p)) {
    Json s = Json::object();
    s.set("seq", 0);
    s.set("refs", Json::array());
    s.set("manifests", Json::object());
    return s;
  }
  return Json::parse(arc::read_file(p));
}
void save_store(const Json& s) { arc::write_file_atomic(cache_dir() + "/store.json", s.dump()); }

Json* find_ref(Json& store, const std::string& reference) {
  for (auto& r : store.find("refs")->as_array())
    if (r.find("reference")->as_string() == reference) return &r;
  return nullptr;
}

[[noreturn]] void image_error(const std::string& detail) { fail("internal", "image error: " + detail); }

Json str_or_null(const Json* v) { return v && v->is_string() && !v->as_string().empty() ? *v : Json(); }

Json image_info(const Json& ref, const Json& store) {
  const Json* m = store.find("manifests")->find(ref.find("manifest_digest")->as_string());
  Json o = Json::object();
  o.set("reference", *ref.find("reference"));
  o.set("manifest_digest", m ? *ref.find("manifest_digest") : Json());
  o.set("architecture", m ? *m->find("architecture") : Json());
  o.set("os", m ? *m->find("os") : Json());
  o.set("layer_count", m ? Json(static_cast<uint64_t>(m->find("layers")->size())) : Json(0));
  o.set("size_bytes", m ? *m->find("size_bytes") : Json());
  o.set("created_at_unix", *ref.find("created_at"));
  o.set("last_used_at_unix", *ref.find("updated_at"));
  return o;
}

// ------------------------------------------------------------ loading

struct Layer {
  std::string diff_id, digest, media_type, path_in_archive;
  uint64_t size = 0;
};
struct Prepared {
  std::vector<std::string> references;
  std::string manifest_digest, config_digest, config_raw;
  std::vector<Layer> layers;
  std::map<std::string, std::string> blobs;  // digest -> bytes to store
};

std::string media_type_of(const std::string& bytes) {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
    return LAYER_GZIP;
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "\x28\xb5\x2f\xfd", 4) == 0) return LAYER_ZSTD;
  return LAYER_TAR;
}

// An uncompressed layer must be a tar (the real runtime unpacks it into EROFS).
void check_layer(const std::string& path, const std::string& bytes, const std::string& media, const Call& call,
                 const std::string& scratch) {
  if (media != LAYER_TAR) return;
  std::string tmp = scratch + "/layer-check.tar";
  arc::write_file_atomic(tmp, bytes);
  arc::read_tar(tmp, &call, "internal", "image error: layer " + path + ": ");
  ::unlink(tmp.c_str());
}

std::pair<std::vector<std::string>, std::string> config_facts(const std::string& raw, Json& cfg) {
  try {
    cfg = Json::parse(raw);
  } catch (const ParseError& e) {
    fail("internal", std::string("image error: config parse error: ") + e.what());
  }
  std::vector<std::string> diff_ids;
  if (auto rootfs = cfg.find("rootfs"))
    if (auto ids = rootfs->find("diff_ids"))
      if (ids->is_array())
        for (auto& d : ids->as_array()) diff_ids.push_back(d.as_string());
  return {diff_ids, ""};
}

std::string manifest_bytes(const std::string& config_digest, size_t config_size, const std::vector<Layer>& layers) {
  // The OCI manifest the runtime synthesises for a docker archive (serde_json, keys sorted).
  Json cfg = Json::object();
  cfg.set("digest", config_digest);
  cfg.set("mediaType", OCI_CONFIG);
  cfg.set("size", static_cast<uint64_t>(config_size));
  Json ls = Json::array();
  for (auto& l : layers) {
    Json o = Json::object();
    o.set("digest", l.digest);
    o.set("mediaType", l.media_type);
    o.set("size", l.size);
    ls.push(o);
  }
  Json m = Json::object();
  m.set("config", cfg);
  m.set("layers", ls);
  m.set("mediaType", OCI_MANIFEST);
  m.set("schemaVersion", 2);
  return m.dump();
}

std::vector<Prepared> prepare_docker(const std::map<std::string, const arc::Entry*>& files, const Json& manifest,
                                     const std::vector<std::string>& tags, const Call& call, const std::string& scratch) {
  if (!manifest.is_array())
    image_error("manifest parse error: docker manifest.json: invalid type: expected a sequence");
  if (manifest.size() == 0) image_error("manifest parse error: docker archive manifest is empty");
  std::vector<Prepared> out;
  size_t index = 0;
  for (auto& image : manifest.as_array()) {
    const Json* cfg_name = image.find("Config");
    const Json* layers = image.find("Layers");
    if (!cfg_name || !cfg_name->is_string() || !layers || !layers->is_array())
      image_error("manifest parse error: docker manifest.json: missing field `Config` or `Layers`");
    auto cf = files.find(cfg_name->as_string());
    if (cf == files.end()) image_error("config parse error: docker archive missing config " + cfg_name->as_string());
    Prepared p;
    p.config_raw = cf->second->data;
    Json cfg;
    auto diff_ids = config_facts(p.config_raw, cfg).first;
    if (diff_ids.size() != layers->size())
      image_error("manifest parse error: layer count mismatch: config has " + std::to_string(diff_ids.size()) +
                  " diff_ids but archive manifest has " + std::to_string(layers->size()) + " layers");
    p.config_digest = "sha256:" + sha256_hex(p.config_raw);
    p.blobs[p.config_digest] = p.config_raw;
    size_t pos = 0;
    for (auto& lp : layers->as_array()) {
      call.check_cancel();
      std::string path = lp.as_string();
      auto lf = files.find(path);
      if (lf == files.end()) image_error("manifest parse error: docker archive missing layer " + path);
      Layer l;
      l.path_in_archive = path;
      l.digest = "sha256:" + sha256_hex(lf->second->data);
      l.size = lf->second->data.size();
      l.media_type = media_type_of(lf->second->data);
      l.diff_id = diff_ids[pos++];
      if (path.rfind("blobs/sha256/", 0) == 0 && path.find('/', 13) == std::string::npos &&
          "sha256:" + path.substr(13) != l.digest)
        image_error("manifest parse error: docker archive layer path " + path + " digest mismatch: expected sha256:" +
                    path.substr(13) + ", got " + l.digest);
      check_layer(path, lf->second->data, l.media_type, call, scratch);
      p.blobs[l.digest] = lf->second->data;
      p.layers.push_back(l);
    }
    p.manifest_digest = "sha256:" + sha256_hex(manifest_bytes(p.config_digest, p.config_raw.size(), p.layers));
    std::set<std::string> refs;
    if (auto rt = image.find("RepoTags"))
      if (rt->is_array())
        for (auto& t : rt->as_array())
          if (t.is_string() && t.as_string() != "<none>:<none>") refs.insert(t.as_string());
    if (index == 0)
      for (auto& t : tags) refs.insert(t);
    if (refs.empty()) image_error("manifest parse error: docker archive image has no tags; pass --tag to name it");
    p.references.assign(refs.begin(), refs.end());
    out.push_back(std::move(p));
    index++;
  }
  return out;
}

const arc::Entry* blob_entry(const std::map<std::string, const arc::Entry*>& files, const std::string& digest,
                             const std::string& what) {
  auto c = digest.find(':');
  std::string path = "blobs/" + digest.substr(0, c) + "/" + digest.substr(c + 1);
  auto f = files.find(path);
  if (c == std::string::npos || f == files.end()) image_error("manifest parse error: OCI layout missing " + what + " " + path);
  if ("sha256:" + sha256_hex(f->second->data) != digest)
    image_error("manifest parse error: OCI blob " + path + " does not match its digest");
  return f->second;
}

std::vector<Prepared> prepare_oci(const std::map<std::string, const arc::Entry*>& files,
                                  const std::vector<std::string>& tags, const Call& call, const std::string& scratch) {
  auto idx = files.find("index.json");
  if (idx == files.end()) image_error("manifest parse error: OCI layout missing index.json");
  Json index;
  try {
    index = Json::parse(idx->second->data);
  } catch (const ParseError& e) {
    image_error(std::string("manifest parse error: OCI index.json: ") + e.what());
  }
  const Json* manifests = index.find("manifests");
  if (!manifests || !manifests->is_array() || manifests->size() == 0)
    image_error("manifest parse error: OCI index has no manifests");
  std::vector<Prepared> out;
  size_t n = 0;
  for (auto& d : manifests->as_array()) {
    std::string mdigest = d.find("digest") ? d.find("digest")->as_string() : "";
    const arc::Entry* me = blob_entry(files, mdigest, "manifest blob");
    Json m;
    try {
      m = Json::parse(me->data);
    } catch (const ParseError& e) {
      image_error(std::string("manifest parse error: OCI image manifest: ") + e.what());
    }
    Prepared p;
    p.manifest_digest = mdigest;
    p.blobs[mdigest] = me->data;
    const Json* cfgd = m.find("config");
    if (!cfgd || !cfgd->find("digest")) image_error("manifest parse error: OCI image manifest has no config");
    p.config_digest = cfgd->find("digest")->as_string();
    p.config_raw = blob_entry(files, p.config_digest, "config blob")->data;
    p.blobs[p.config_digest] = p.config_raw;
    Json cfg;
    auto diff_ids = config_facts(p.config_raw, cfg).first;
    const Json* layers = m.find("layers");
    size_t count = layers && layers->is_array() ? layers->size() : 0;
    if (diff_ids.size() != count)
      image_error("manifest parse error: layer count mismatch: config has " + std::to_string(diff_ids.size()) +
                  " diff_ids but manifest has " + std::to_string(count) + " layers");
    for (size_t i = 0; i < count; i++) {
      call.check_cancel();
      auto& ld = layers->as_array()[i];
      Layer l;
      l.digest = ld.find("digest")->as_string();
      const arc::Entry* le = blob_entry(files, l.digest, "layer blob");
      l.size = le->data.size();
      l.media_type = ld.find("mediaType") ? ld.find("mediaType")->as_string() : media_type_of(le->data);
      l.diff_id = diff_ids[i];
      check_layer(l.digest, le->data, media_type_of(le->data), call, scratch);
      p.blobs[l.digest] = le->data;
      p.layers.push_back(l);
    }
    std::set<std::string> refs;
    if (auto a = d.find("annotations"))
      if (auto r = a->find(REF_ANNOTATION))
        if (r->is_string()) refs.insert(r->as_string());
    if (n == 0)
      for (auto& t : tags) refs.insert(t);
    if (refs.empty()) image_error("manifest parse error: OCI image has no reference name; pass --tag to name it");
    p.references.assign(refs.begin(), refs.end());
    out.push_back(std::move(p));
    n++;
  }
  return out;
}

void store_prepared(Json& store, const Prepared& p) {
  for (auto& b : p.blobs) {
    std::string path = blob_path(b.first);
    if (!arc::exists(path)) {
      mkdirs(arc::dirname(path));
      arc::write_file_atomic(path, b.second);
    }
  }
  Json cfg = Json::parse(p.config_raw);
  Json m = Json::object();
  m.set("config_digest", p.config_digest);
  m.set("architecture", str_or_null(cfg.find("architecture")));
  m.set("os", str_or_null(cfg.find("os")));
  uint64_t total = 0;
  Json layers = Json::array();
  for (auto& l : p.layers) {
    Json o = Json::object();
    o.set("diff_id", l.diff_id);
    o.set("blob_digest", l.digest);
    o.set("media_type", l.media_type);
    o.set("size", l.size);
    layers.push(o);
    total += l.size;
  }
  m.set("layers", layers);
  m.set("size_bytes", total);
  store.find("manifests")->set(p.manifest_digest, m);
  int64_t now = now_ms() / 1000;
  for (auto& r : p.references) {
    uint64_t seq = store.find("seq")->as_uint() + 1;
    store.set("seq", seq);
    if (Json* existing = find_ref(store, r)) {
      existing->set("manifest_digest", p.manifest_digest);
      existing->set("updated_at", now);
      continue;
    }
    Json o = Json::object();
    o.set("reference", r);
    o.set("manifest_digest", p.manifest_digest);
    o.set("created_at", now);
    o.set("updated_at", now);
    o.set("seq", seq);
    store.find("refs")->push(o);
  }
}

// ------------------------------------------------------------ removal

// Manifest digests that sandboxes pin (the real runtime's sandbox_rootfs rows, written once a
// create booted).
std::map<std::string, std::vector<std::string>> sandbox_pins() {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& rec : all_records()) {
    // Pinned when the sandbox booted (a create whose boot failed pins nothing).
    const Json* d = rec.find("rootfs_pin");
    if (d && d->is_string()) out[d->as_string()].push_back(std::to_string(rec.find("id")->as_uint()));
  }
  return out;
}

// Removes blobs no manifest references any more; returns bytes freed and layers removed.
std::pair<uint64_t, uint32_t> collect_garbage(const Json& store, const std::vector<Json>& dropped) {
  std::set<std::string> live;
  for (auto& kv : store.find("manifests")->as_object()) {
    live.insert(kv.first);
    live.insert(kv.second.find("config_digest")->as_string());
    for (auto& l : kv.second.find("layers")->as_array()) live.insert(l.find("blob_digest")->as_string());
  }
  uint64_t bytes = 0;
  uint32_t layers = 0;
  std::set<std::string> seen;
  for (auto& pair : dropped) {
    const std::string digest = pair.find("digest")->as_string();
    const Json& m = *pair.find("manifest");
    std::vector<std::pair<std::string, bool>> candidates{{digest, false}, {m.find("config_digest")->as_string(), false}};
    for (auto& l : m.find("layers")->as_array()) candidates.push_back({l.find("blob_digest")->as_string(), true});
    for (auto& c : candidates) {
      if (live.count(c.first) || !seen.insert(c.first).second) continue;
      std::string p = blob_path(c.first);
      if (arc::exists(p)) {
        bytes += arc::file_size(p);
        ::unlink(p.c_str());
      }
      if (c.second) layers++;
    }
  }
  return {bytes, layers};
}

std::vector<std::string> string_array(const Json& j, const char* what) {
  if (!j.is_array()) fail("invalid_argument", std::string("invalid ") + what + " payload: invalid type: expected a sequence");
  std::vector<std::string> out;
  for (auto& v : j.as_array()) {
    if (!v.is_string()) fail("invalid_argument", std::string("invalid ") + what + " payload: invalid type: expected a string");
    out.push_back(v.as_string());
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------ hooks

std::string msbd::image_pin_digest(const std::string& reference) {
  CacheLock lock;
  Json store = load_store();
  if (Json* r = find_ref(store, reference)) return r->find("manifest_digest")->as_string();
  return "sha256:" + sha256_hex("msb-double-unpulled-image\n" + reference);
}

bool msbd::image_cached(const std::string& reference) {
  CacheLock lock;
  Json store = load_store();
  return find_ref(store, reference) != nullptr;
}

// ------------------------------------------------------------ exports

MSB_EXPORT char* msb_image_get(uint64_t cancel_id, const char* reference, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_image_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    std::string ref = arg_str(reference);
    CacheLock lock;
    Json store = load_store();
    Json* r = find_ref(store, ref);
    if (!r) fail("image_not_found", "image not found: " + ref);
    return image_info(*r, store);
  });
}

MSB_EXPORT char* msb_image_list(uint64_t cancel_id, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_image_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    CacheLock lock;
    Json store = load_store();
    std::vector<const Json*> refs;
    for (auto& r : store.find("refs")->as_array()) refs.push_back(&r);
    // Newest first (created_at descending; the load order breaks ties).
    std::sort(refs.begin(), refs.end(), [](const Json* a, const Json* b) {
      int64_t ca = a->find("created_at")->as_int(), cb = b->find("created_at")->as_int();
      if (ca != cb) return ca > cb;
      return a->find("seq")->as_uint() > b->find("seq")->as_uint();
    });
    Json out = Json::array();
    for (auto r : refs) out.push(image_info(*r, store));
    return out;
  });
}

MSB_EXPORT char* msb_image_inspect(uint64_t cancel_id, const char* reference, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_image_inspect", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    std::string ref = arg_str(reference);
    CacheLock lock;
    Json store = load_store();
    Json* r = find_ref(store, ref);
    if (!r) fail("image_not_found", "image not found: " + ref);
    Json out = image_info(*r, store);
    const Json* m = store.find("manifests")->find(r->find("manifest_digest")->as_string());
    Json config;
    Json layers = Json::array();
    if (m) {
      std::string cdigest = m->find("config_digest")->as_string();
      Json cfg = Json::parse(arc::read_file(blob_path(cdigest)));
      const Json* c = cfg.find("config");
      auto list = [&](const char* key, bool optional) -> Json {
        const Json* v = c ? c->find(key) : nullptr;
        if (v && v->is_array()) return *v;
        return optional ? Json() : Json::array();
      };
      config = Json::object();
      config.set("digest", cdigest);
      config.set("env", list("Env", false));
      config.set("cmd", list("Cmd", true));
      config.set("entrypoint", list("Entrypoint", true));
      config.set("working_dir", str_or_null(c ? c->find("WorkingDir") : nullptr));
      config.set("user", str_or_null(c ? c->find("User") : nullptr));
      const Json* labels = c ? c->find("Labels") : nullptr;
      config.set("labels", labels && labels->is_object() ? *labels : Json());
      config.set("stop_signal", str_or_null(c ? c->find("StopSignal") : nullptr));
      int pos = 0;
      for (auto& l : m->find("layers")->as_array()) {
        Json o = Json::object();
        o.set("diff_id", *l.find("diff_id"));
        o.set("blob_digest", *l.find("blob_digest"));
        o.set("media_type", *l.find("media_type"));
        o.set("compressed_size_bytes", *l.find("size"));
        // The double materialises no EROFS layers.
        o.set("erofs_size_bytes", Json());
        o.set("position", pos++);
        layers.push(o);
      }
    }
    out.set("config", config);
    out.set("layers", layers);
    return out;
  });
}

MSB_EXPORT char* msb_image_remove(uint64_t cancel_id, const char* reference, bool force, unsigned char* buf,
                                  uintptr_t buf_len) {
  return run_call("msb_image_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    std::string ref = arg_str(reference);
    auto pins = sandbox_pins();
    CacheLock lock;
    Json store = load_store();
    Json* r = find_ref(store, ref);
    if (!r) fail("image_not_found", "image not found: " + ref);
    std::string digest = r->find("manifest_digest")->as_string();
    if (!force && pins.count(digest)) {
      std::string ids;
      for (auto& id : pins[digest]) ids += (ids.empty() ? "" : ", ") + id;
      fail("image_in_use", "image in use by sandbox(es): " + ids);
    }
    auto& refs = store.find("refs")->as_array();
    refs.erase(std::remove_if(refs.begin(), refs.end(),
                              [&](const Json& x) { return x.find("reference")->as_string() == ref; }),
               refs.end());
    bool still = std::any_of(refs.begin(), refs.end(),
                             [&](const Json& x) { return x.find("manifest_digest")->as_string() == digest; });
    std::vector<Json> dropped;
    if (!still) {
      if (const Json* m = store.find("manifests")->find(digest)) {
        Json d = Json::object();
        d.set("digest", digest);
        d.set("manifest", *m);
        dropped.push_back(d);
        store.find("manifests")->erase(digest);
      }
    }
    save_store(store);
    collect_garbage(store, dropped);
    Json ok = Json::object();
    ok.set("ok", true);
    return ok;
  });
}

MSB_EXPORT char* msb_image_prune(uint64_t cancel_id, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_image_prune", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    auto pins = sandbox_pins();
    std::set<std::string> kept;
    for (auto& kv : pins) kept.insert(kv.first);
    for (auto& d : snapshot_pinned_digests()) kept.insert(d);
    CacheLock lock;
    Json store = load_store();
    uint32_t refs_removed = 0, manifests_removed = 0;
    auto& refs = store.find("refs")->as_array();
    std::vector<Json> keep;
    for (auto& r : refs) {
      std::string d = r.find("manifest_digest")->as_string();
      if (!store.find("manifests")->find(d) || kept.count(d)) {
        keep.push_back(r);
        continue;
      }
      refs_removed++;
    }
    refs = keep;
    std::vector<Json> dropped;
    std::vector<std::string> names;
    for (auto& kv : store.find("manifests")->as_object()) names.push_back(kv.first);
    for (auto& d : names) {
      if (kept.count(d)) continue;
      bool referenced = std::any_of(refs.begin(), refs.end(),
                                    [&](const Json& x) { return x.find("manifest_digest")->as_string() == d; });
      if (referenced) continue;
      Json e = Json::object();
      e.set("digest", d);
      e.set("manifest", *store.find("manifests")->find(d));
      dropped.push_back(e);
      store.find("manifests")->erase(d);
      manifests_removed++;
    }
    save_store(store);
    auto freed = collect_garbage(store, dropped);
    Json out = Json::object();
    out.set("image_refs_removed", refs_removed);
    out.set("manifests_removed", manifests_removed);
    out.set("layers_removed", freed.second);
    out.set("fsmeta_removed", 0);
    out.set("vmdk_removed", 0);
    out.set("bytes_reclaimed", refs_removed + manifests_removed + freed.second > 0 ? Json(freed.first) : Json());
    return out;
  });
}

MSB_EXPORT char* msb_image_load(uint64_t cancel_id, const char* input_path, const char* tags_json, unsigned char* buf,
                                uintptr_t buf_len) {
  return run_call("msb_image_load", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string input = arg_str(input_path);
    std::string raw_tags = arg_str(tags_json);
    std::vector<std::string> tags;
    try {
      tags = string_array(Json::parse(raw_tags), "tags");
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid tags payload: ") + e.what());
    }
    if (!arc::is_file(input)) fail("internal", "image error: cache error at " + input + ": No such file or directory (os error 2)");
    auto entries = arc::read_tar(input, &call, "internal", "image error: ");
    std::map<std::string, const arc::Entry*> files;
    for (auto& e : entries)
      if (e.type == '0') files[e.path] = &e;
    std::string scratch = cache_dir() + "/tmp-" + std::to_string(getpid()) + "-" + std::to_string(mono_ms());
    mkdirs(scratch);
    std::vector<Prepared> prepared;
    try {
      if (files.count("manifest.json")) {
        Json manifest;
        try {
          manifest = Json::parse(files["manifest.json"]->data);
        } catch (const ParseError& e) {
          image_error(std::string("manifest parse error: docker manifest.json: ") + e.what());
        }
        prepared = prepare_docker(files, manifest, tags, call, scratch);
      } else if (files.count("oci-layout")) {
        prepared = prepare_oci(files, tags, call, scratch);
      } else {
        image_error("manifest parse error: archive missing manifest.json or oci-layout");
      }
    } catch (...) {
      remove_tree(scratch);
      throw;
    }
    remove_tree(scratch);
    call.check_cancel();
    CacheLock lock;
    Json store = load_store();
    for (auto& p : prepared) store_prepared(store, p);
    save_store(store);
    Json out = Json::array();
    for (auto& p : prepared)
      for (auto& r : p.references) out.push(image_info(*find_ref(store, r), store));
    return out;
  });
}

MSB_EXPORT char* msb_image_save(uint64_t cancel_id, const char* references_json, const char* output_path,
                                const char* format, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_image_save", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string raw = arg_str(references_json);
    std::vector<std::string> refs;
    try {
      refs = string_array(Json::parse(raw), "references");
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid references payload: ") + e.what());
    }
    if (refs.empty()) fail("invalid_argument", "at least one image reference is required");
    std::string out_path = arg_str(output_path);
    std::string fmt = arg_str(format);
    if (fmt != "" && fmt != "docker" && fmt != "oci")
      fail("invalid_argument", "invalid archive format '" + fmt + "': expected 'docker' or 'oci'");
    Json store;
    {
      CacheLock lock;
      store = load_store();
    }
    struct Item {
      std::string reference;
      const Json* manifest;
    };
    std::vector<Item> items;
    for (auto& r : refs) {
      Json* ref = find_ref(store, r);
      const Json* m = ref ? store.find("manifests")->find(ref->find("manifest_digest")->as_string()) : nullptr;
      if (!m) fail("image_not_found", "image not found: " + r);
      items.push_back({r, m});
    }
    auto hex = [](const std::string& d) { return d.substr(d.find(':') + 1); };
    arc::TarWriter w(out_path);
    std::set<std::string> written;
    if (fmt == "oci") {
      w.add_file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
      Json manifests = Json::array();
      std::vector<std::pair<std::string, std::string>> blobs;
      for (auto& it : items) {
        std::string cdigest = it.manifest->find("config_digest")->as_string();
        std::string config = arc::read_file(blob_path(cdigest));
        std::vector<Layer> layers;
        for (auto& l : it.manifest->find("layers")->as_array())
          layers.push_back({l.find("diff_id")->as_string(), l.find("blob_digest")->as_string(),
                            l.find("media_type")->as_string(), "", l.find("size")->as_uint()});
        std::string mbytes = manifest_bytes(cdigest, config.size(), layers);
        std::string mdigest = "sha256:" + sha256_hex(mbytes);
        Json cfg = Json::parse(config);
        Json platform = Json::object();
        platform.set("architecture", cfg.find("architecture") ? *cfg.find("architecture") : Json("amd64"));
        platform.set("os", cfg.find("os") ? *cfg.find("os") : Json("linux"));
        Json ann = Json::object();
        ann.set(REF_ANNOTATION, it.reference);
        Json d = Json::object();
        d.set("mediaType", OCI_MANIFEST);
        d.set("digest", mdigest);
        d.set("size", static_cast<uint64_t>(mbytes.size()));
        d.set("platform", platform);
        d.set("annotations", ann);
        manifests.push(d);
        blobs.push_back({mdigest, mbytes});
        blobs.push_back({cdigest, config});
        for (auto& l : layers) blobs.push_back({l.digest, ""});
      }
      Json index = Json::object();
      index.set("schemaVersion", 2);
      index.set("mediaType", OCI_INDEX);
      index.set("manifests", manifests);
      w.add_file("index.json", index.dump());
      w.add_dir("blobs");
      w.add_dir("blobs/sha256");
      for (auto& b : blobs) {
        call.check_cancel();
        if (!written.insert(b.first).second) continue;
        w.add_file("blobs/sha256/" + hex(b.first), b.second.empty() ? arc::read_file(blob_path(b.first)) : b.second);
      }
    } else {
      Json manifest = Json::array();
      std::vector<std::pair<std::string, std::string>> files;
      for (auto& it : items) {
        std::string cdigest = it.manifest->find("config_digest")->as_string();
        Json e = Json::object();
        e.set("Config", hex(cdigest) + ".json");
        Json tags = Json::array();
        tags.push(it.reference);
        e.set("RepoTags", tags);
        Json layers = Json::array();
        files.push_back({hex(cdigest) + ".json", cdigest});
        for (auto& l : it.manifest->find("layers")->as_array()) {
          std::string name = hex(l.find("diff_id")->as_string()) + "/layer.tar";
          layers.push(name);
          files.push_back({name, l.find("blob_digest")->as_string()});
        }
        e.set("Layers", layers);
        manifest.push(e);
      }
      w.add_file("manifest.json", manifest.dump());
      for (auto& f : files) {
        call.check_cancel();
        if (!written.insert(f.first).second) continue;
        w.add_file(f.first, arc::read_file(blob_path(f.second)));
      }
    }
    call.check_cancel();
    w.finish();
    Json ok = Json::object();
    ok.set("ok", true);
    return ok;
  });
}
