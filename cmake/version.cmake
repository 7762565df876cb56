# Writes OUT with #define DMASIM_VERSION from `git describe` of SRC (fallback: FALLBACK), and only
# when it changed, so a build recompiles sim/version.cpp alone and only after a new commit.
execute_process(COMMAND git -C "${SRC}" describe --tags --always --dirty
  OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR version STREQUAL "")
  set(version "${FALLBACK}")
endif()
string(REPLACE "\\" "" version "${version}")
string(REPLACE "\"" "" version "${version}")
file(WRITE "${OUT}.new" "#define DMASIM_VERSION \"${version}\"\n")
file(COPY_FILE "${OUT}.new" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.new")
