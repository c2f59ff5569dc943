# PGXS build of the vectorx extension: `make`, `make install`, `make installcheck`
# (pg_regress tests in test/sql/ + test/expected/, then the TAP tests in test/t/).
EXTENSION = vectorx
MODULE_big = vectorx
DATA = sql/vectorx--0.1.0.sql

# Every core source (the same glob CMakeLists.txt reads).
CORE_OBJS = $(patsubst %.cpp,%.o,$(wildcard src/core/*.cpp src/core/*/*.cpp))
PG_OBJS = $(patsubst %.cpp,%.o,$(wildcard src/pg/*.cpp))
OBJS = $(CORE_OBJS) $(PG_OBJS)

REGRESS = $(sort $(patsubst test/sql/%.sql,%,$(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=vectorx
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_INCLUDE = $(shell $(PG_CONFIG) --includedir-server)
# Postgres headers as system headers: -Wall -Wextra -Werror applies to our code only.
PG_CPPFLAGS = -Iinclude -isystem $(PG_INCLUDE) -isystem /usr/include/eigen3
PG_CXXFLAGS = -std=c++17 -Wextra -Werror -fno-math-errno -fno-trapping-math -fopenmp-simd
SHLIB_LINK = -lstdc++

# The LLVM JIT bitcode step would need clang; vectorx's hot paths are native code anyway.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Instruction-set flags per kernel level, from the file CMake uses too.
kernel_flags = $(shell sed -n 's/^set(VECTORX_FLAGS_$(1) "\(.*\)")/\1/p' cmake/kernel_flags.cmake)
KERNEL_FLAGS_sse2 := $(call kernel_flags,SSE2)
KERNEL_FLAGS_avx2 := $(call kernel_flags,AVX2)
KERNEL_FLAGS_avx512 := $(call kernel_flags,AVX512)

src/core/kernels/%.o: src/core/kernels/%.cpp
	$(CXX) $(CXXFLAGS) $(KERNEL_FLAGS_$*) $(CPPFLAGS) -c -o $@ $<

$(OBJS): $(wildcard include/vectorx/*.h include/vectorx/*/*.h src/core/*/*.h src/core/*/*.hpp src/pg/*.h)
