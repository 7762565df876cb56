// The one place an exception becomes an exit status and one line on stderr (README "Exit
// status"): a usage error is 2, a failed output write or running out of memory is 1, anything
// else is 1 with its message on one line. Never SystemC's "uncaught exception" text.
#pragma once

namespace dmasim {

// Call inside a catch block: rethrows the exception being handled and reports it.
// command: "sweep", "merge", or nullptr for a run.
int report_current_exception(const char* command);

}  // namespace dmasim
