// dmasim's version: `git describe` of the tree it was built from, or the CMake project version
// where the tree is not a git checkout (written at build time into dmasim_version.inc).
#pragma once

namespace dmasim {

const char* dmasim_version();

}  // namespace dmasim
