// Archives and digests for the double's image cache and snapshots: SHA-256, a minimal
// but honest tar reader/writer (ustar headers, PAX/GNU long names, regular files,
// directories, symlinks), and small host-file helpers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core.hpp"

namespace msbd {

std::string sha256_hex(const std::string& data);
// Streams a file through SHA-256 (cancellable between chunks); throws io on failure.
std::string sha256_file_hex(const std::string& path, const Call* call);

namespace arc {

struct Entry {
  std::string path;  // normalised: no leading "./" or "/"
  char type = '0';   // '0' file, '5' directory, '2' symlink
  std::string data;  // file contents
  std::string link;  // symlink target
  uint32_t mode = 0644;
};

// Reads every entry of a tar file (throws internal "image error: ..." style messages via
// fail_kind on malformed input). Checks call for cancellation between entries.
std::vector<Entry> read_tar(const std::string& path, const Call* call, const std::string& fail_kind,
                            const std::string& fail_prefix);

class TarWriter {
 public:
  explicit TarWriter(const std::string& path);  // throws io
  ~TarWriter();
  void add_file(const std::string& name, const std::string& data, uint32_t mode = 0644);
  void add_dir(const std::string& name, uint32_t mode = 0755);
  void add_symlink(const std::string& name, const std::string& target);
  void finish();  // two zero blocks; renames the temporary file into place

 private:
  void header(const std::string& name, char type, uint64_t size, uint32_t mode, const std::string& link);
  std::string path_, tmp_;
  int fd_ = -1;
};

// Host helpers (throw io on failure).
bool exists(const std::string& path);
bool is_dir(const std::string& path);
bool is_file(const std::string& path);
uint64_t file_size(const std::string& path);
std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, const std::string& data);
std::vector<std::string> list_dir(const std::string& path);  // names, no "." / ".."
std::string dirname(const std::string& path);
std::string basename(const std::string& path);
std::string absolute(const std::string& path);  // realpath when it exists, else cwd-joined

// A directory tree as tar entries (relative paths, directories first) and back.
void tar_tree(TarWriter& w, const std::string& root, const std::string& prefix);
void untar_into(const std::vector<Entry>& entries, const std::string& root, const std::string& strip_prefix);

}  // namespace arc

// ------------------------------------------------------------ hooks used by lifecycle.cpp
// The manifest digest a create pins for an OCI reference: the cached image's, or (the
// double pulls nothing) a stand-in derived from the reference.
std::string image_pin_digest(const std::string& reference);
// A snapshot a create boots from (msb_sandbox_create's "snapshot"): opened as
// msb_snapshot_open does (same errors).
struct SnapshotBoot {
  std::string image_ref;
  std::string manifest_digest;
  std::string upper_path;
};
SnapshotBoot snapshot_boot_source(const std::string& path_or_name);
// Restores a snapshot's captured upper into a fresh root folder.
void snapshot_restore_upper(const std::string& upper_path, const std::string& root);
// Manifest digests pinned by indexed snapshots (image prune keeps them).
std::vector<std::string> snapshot_pinned_digests();
// Whether the image cache holds this reference (snapshot export with_image).
bool image_cached(const std::string& reference);

}  // namespace msbd
