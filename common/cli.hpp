// Command-line parsing shared by every zshare program, on CLI11: a hand-written synopsis for
// --help, and one plain line for a bad value ("error: --window must be a whole number from 2
// to 256, not 'x' (see --help)", exit status 2) instead of CLI11's validator descriptions.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace zshare {

/// Returns: the exit status for `e`, after printing what the user needs to see: `synopsis` for
/// --help, the version for --version, else one "error: ..." line.
int cli_exit(const CLI::App& app, const CLI::ParseError& e, const std::string& synopsis);

/// Makes `app` parse quietly: no CLI11 help text of its own (the synopsis replaces it).
void prepare_app(CLI::App& app, const std::string& version);

/// Adds `--name` taking a whole number from `min` to `max` into `value`.
CLI::Option* add_number(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min,
                        std::uint64_t max);

/// Adds `--name` taking milliseconds from `min` to `max` into `value`.
CLI::Option* add_milliseconds(CLI::App& app, const std::string& name, std::chrono::milliseconds& value,
                              std::uint64_t min, std::uint64_t max);

/// Adds `--name` taking a rate in bytes per second into `value`: 0 for none, or a number with
/// a binary unit, "512KiB", "20MiB", "1GiB" (a bare number counts KiB), at least `min`.
CLI::Option* add_rate(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min);

/// Adds `--name` taking a size in bytes into `value`, written with a binary unit ("64MiB",
/// "1GiB"; a bare number counts bytes), at least `min`.
CLI::Option* add_size(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min);

/// Returns: `text` as a rate in bytes per second (see add_rate()), or nothing.
std::optional<std::uint64_t> parse_rate(const std::string& text);

} // namespace zshare
