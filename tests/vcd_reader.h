// A small Value Change Dump (IEEE 1364 VCD) reader for the tests: enough to check the waves
// dmasim writes (SystemC's VCD writer) and hand-written examples.
//
// Understood: $timescale, $scope/$upscope, $var (type, width, id, reference with an optional bit
// range), $enddefinitions, $dumpvars/$dumpall/$dumpon/$dumpoff blocks, #time, scalar changes
// (0/1/x/z followed by the id) and vector changes (b/B digits, a space, the id); real changes
// (r/R) are read and truncated to an integer. $date/$version/$comment blocks are skipped.
// x and z bits read as 0 and set VcdSignal::has_unknown. Of a vector wider than 64 bits (a data
// bus) the low 64 bits are kept.
//
// Anything else (an unknown id, a value before $enddefinitions, a bad number, a vector longer
// than the declared width, time going backwards, an unterminated $ block, a timescale that is not
// a whole number of picoseconds) throws std::runtime_error naming the line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dmasim_test {

struct VcdSignal {
  std::string name;   // reference name as given in $var, without a bit range
  std::string scope;  // enclosing scopes joined with '.', e.g. "SystemC"
  std::string id;     // identifier code
  int width = 0;
  bool has_unknown = false;  // some change held x or z bits
  // (time in timescale units, value), in file order, including the $dumpvars initial values.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> changes;
};

// Signals keyed by reference name; a name declared in several scopes is keyed by its full dotted
// path ("scope.name") instead. Several $var sharing one id each get the id's changes.
// *timescale_ps (if not null) receives the timescale in picoseconds (1 when none is declared).
std::map<std::string, VcdSignal> read_vcd(const std::string& path, std::uint64_t* timescale_ps);
// Same, from VCD text in memory.
std::map<std::string, VcdSignal> parse_vcd(const std::string& text, std::uint64_t* timescale_ps);

}  // namespace dmasim_test
