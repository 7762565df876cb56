# RTL-level test bench of rtl/dma_engine.sv: Verilated with --cc and clocked in a plain C++ loop
# (tests/rtl/), one GoogleTest process per TEST, label "rtl". Include from tests/CMakeLists.txt
# (needs GTest found, include(GoogleTest) and enable_testing() done by the includer).
if(NOT verilator_FOUND)
  find_package(verilator REQUIRED HINTS $ENV{VERILATOR_ROOT})
endif()

# The RTL sources are listed once, in the top-level CMakeLists.txt (DMASIM_RTL_SOURCES).
set(RTL_TB_RTL_SOURCES ${DMASIM_RTL_SOURCES})

set(RTL_TB_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/rtl/rtl_harness.cpp
  ${CMAKE_SOURCE_DIR}/tests/rtl/test_rtl_regs.cpp
  ${CMAKE_SOURCE_DIR}/tests/rtl/test_rtl_dma.cpp
  ${CMAKE_SOURCE_DIR}/tests/rtl/test_rtl_errors.cpp
  ${CMAKE_SOURCE_DIR}/tests/rtl/test_rtl_abort.cpp
)
option(DMASIM_RTL_TB_TRACE "rtl_tb with VCD tracing: RTL_TB_VCD=file.vcd rtl_tb --gtest_filter=..." OFF)
if(DMASIM_RTL_TB_TRACE)
  set(RTL_TB_TRACE TRACE)
else()
  set(RTL_TB_TRACE)
endif()

add_executable(rtl_tb ${RTL_TB_SOURCES})
# Lint-clean RTL (-Wall), assertions compiled in (--assert), single-threaded model.
verilate(rtl_tb ${RTL_TB_TRACE}
  PREFIX Vdma_engine
  TOP_MODULE dma_engine
  SOURCES ${RTL_TB_RTL_SOURCES}
  VERILATOR_ARGS -Wall --assert -O3 --x-assign unique --x-initial unique
  OPT_FAST -O1
  OPT_SLOW -O0
)
target_include_directories(rtl_tb PRIVATE ${CMAKE_SOURCE_DIR})
# Verilator's headers as system headers: no -Wextra noise from them.
target_include_directories(rtl_tb SYSTEM PRIVATE ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
# Build time dominates this bench (the model runs ~1 s in all): cheap optimisation, no debug info.
target_compile_options(rtl_tb PRIVATE -O1 -g0)
target_link_libraries(rtl_tb PRIVATE GTest::gtest_main)
# Warnings for the bench's own sources only (Verilator's generated code is not ours).
set_source_files_properties(${RTL_TB_SOURCES} PROPERTIES COMPILE_OPTIONS "-Wall;-Wextra")
gtest_discover_tests(rtl_tb DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120 LABELS rtl)

# The SystemC bridge's own waves (rtl/dma_engine_rtl.cpp): in sc_tests, one process per TEST.
target_sources(sc_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests/rtl/test_rtl_bridge_waves.cpp
  ${CMAKE_SOURCE_DIR}/tests/vcd_reader.cpp)
