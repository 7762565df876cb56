// Talking to gnuplot (5.4) safely: strings become gnuplot string expressions that no value can
// end early, and gnuplot runs without a shell, reading its script on stdin and writing the plot
// on stdout, so no file name at all appears in a script.
#pragma once

#include <string>

namespace dmasim {

// A gnuplot string expression whose value is `text`. In a single-quoted gnuplot string nothing
// is special but the quote itself, and gnuplot 5.4 mis-scans runs of doubled quotes (''''), so
// a quote is never doubled: it becomes its own double-quoted "'" joined with '.'; e.g.
// it's -> 'it'."'".'s'. Double-quoted pieces hold nothing else (backquotes are expanded there).
// Control characters (newline, CR, NUL, ...), which would end the command line, are shown as
// \xNN instead. Use in a place that takes an expression (title, set title, set xlabel).
std::string gnuplot_string(const std::string& text);

// Runs `gnuplot` (looked up on PATH, no shell) on `script`; returns what gnuplot wrote to its
// standard output (the plot, with the script's output left unset). Throws std::runtime_error
// naming gnuplot's first error line when gnuplot fails or writes nothing.
std::string run_gnuplot(const std::string& script);

}  // namespace dmasim
