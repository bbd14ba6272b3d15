// Named volumes of the runtime double (runtime-abi.md §5.11): records under
// $MSB_HOME/volumes/.records/<name>.json, contents under $MSB_HOME/volumes/<name>/ (the
// real runtime's layout for the contents; its records live in a database).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core.hpp"

namespace msbd {

std::string volumes_root();
std::string volume_path(const std::string& name);
// The record of a volume, if any (takes the volume store lock).
std::optional<Json> volume_record(const std::string& name);
// Validates a volume name as the runtime does (invalid_config).
void validate_volume_name(const std::string& name);

// A named mount of a sandbox create (§6.3 `named`, `named_mode`, `named_kind`, `size_mib`,
// `quota_mib`): checks existence per mode and provisions missing volumes. Returns the names
// this call created (to roll back if the create fails).
std::vector<std::string> ensure_named_volumes(const Json& volumes);
// Removes volumes that a failed create provisioned.
void rollback_named_volumes(const std::vector<std::string>& names);

}  // namespace msbd
