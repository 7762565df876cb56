// Deliberately buggy miniport behaviours for --inject driver:NAME (--list-injections). The shipped
// miniport reads the name from its registry value DmasimInjectBug and misbehaves in exactly that
// one way; each entry names the verifier check that must catch it.
#pragma once

#include <string>
#include <vector>

namespace dmasim {

struct Injection {
  const char* name;    // as given after "driver:"
  const char* expect;  // the DV_* code the verifier reports
  const char* what;
};

const std::vector<Injection>& driver_injections();
const Injection* find_driver_injection(const std::string& name);

// Hardware faults for --inject hw:NAME[@chunk=K] (K: the engine's K-th run, default 1), and what
// a careful miniport does about each.
const std::vector<Injection>& hw_injections();
const Injection* find_hw_injection(const std::string& name);

}  // namespace dmasim
