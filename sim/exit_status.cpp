#include "sim/exit_status.h"

#include <iostream>
#include <new>
#include <string>

#include "sim/output_file.h"
#include "sim/params.h"

namespace dmasim {

int report_current_exception(const char* command) {
  const std::string who = command ? std::string(command) + ": " : "";
  try {
    throw;
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  } catch (const OutputError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "dmasim: " << who << "out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dmasim: " << who << "internal error: " << one_line(e.what()).substr(0, 300)
              << "\n";
    return 1;
  } catch (...) {
    std::cerr << "dmasim: " << who << "internal error (unknown exception)\n";
    return 1;
  }
}

}  // namespace dmasim
