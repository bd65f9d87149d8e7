# BLAKE3, the official C implementation with its SIMD back ends (SSE2, SSE4.1, AVX2, AVX-512,
# chosen at run time by its dispatcher), as the target BLAKE3::blake3.
#
# Where a system ships BLAKE3's own CMake package (Debian 13 and later), that is used. Debian 12
# has no C library package, but librust-blake3-dev installs the official C sources (the
# crate's c/ folder, version 1.3.1): they are built here into a static library. Nothing of
# BLAKE3 is copied into this repository.
find_package(BLAKE3 CONFIG QUIET)
if(TARGET BLAKE3::blake3)
  message(STATUS "BLAKE3: the system's package")
  return()
endif()

file(GLOB blake3_candidates /usr/share/cargo/registry/blake3-*/c/blake3.c)
list(SORT blake3_candidates)
list(REVERSE blake3_candidates) # the newest version first
list(GET blake3_candidates 0 blake3_source)
if(NOT blake3_source)
  message(FATAL_ERROR "BLAKE3 not found: install librust-blake3-dev (Debian 12) or libblake3-dev")
endif()
get_filename_component(blake3_dir "${blake3_source}" DIRECTORY)
message(STATUS "BLAKE3: built from ${blake3_dir}")

set(blake3_sources ${blake3_dir}/blake3.c ${blake3_dir}/blake3_dispatch.c ${blake3_dir}/blake3_portable.c)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  enable_language(ASM)
  list(APPEND blake3_sources
       ${blake3_dir}/blake3_sse2_x86-64_unix.S ${blake3_dir}/blake3_sse41_x86-64_unix.S
       ${blake3_dir}/blake3_avx2_x86-64_unix.S ${blake3_dir}/blake3_avx512_x86-64_unix.S)
  add_library(blake3 STATIC ${blake3_sources})
else()
  # Elsewhere the portable code (NEON would need its own flags): correct, only slower.
  add_library(blake3 STATIC ${blake3_sources})
  target_compile_definitions(blake3 PRIVATE BLAKE3_NO_SSE2 BLAKE3_NO_SSE41 BLAKE3_NO_AVX2 BLAKE3_NO_AVX512)
endif()
set_target_properties(blake3 PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
# Not our code: none of our warning flags, and -O3 whatever the build type (it is the data path).
target_compile_options(blake3 PRIVATE -w $<$<COMPILE_LANGUAGE:C>:-O3>)
target_include_directories(blake3 SYSTEM PUBLIC ${blake3_dir})
add_library(BLAKE3::blake3 ALIAS blake3)
