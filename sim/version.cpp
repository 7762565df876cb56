#include "sim/version.h"

#include "dmasim_version.inc"  // #define DMASIM_VERSION "..."

namespace dmasim {

const char* dmasim_version() {
  return DMASIM_VERSION;
}

}  // namespace dmasim
