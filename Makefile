# PGXS build of the vectorx extension: `make`, `make install`, `make installcheck`
# (pg_regress tests in sql/ + expected/, then the TAP tests in test/t/).
EXTENSION = vectorx
MODULE_big = vectorx
DATA = sql/vectorx--0.1.0.sql

# The core pieces the extension uses, so the shipped library carries no
# unused code.
CORE_OBJS = $(patsubst %.cpp,%.o,$(wildcard src/core/kernels*.cpp)) src/core/text_codec.o src/core/binary_codec.o src/core/vector_math.o \
	src/core/metric.o src/core/slotted_page.o src/core/threads.o src/core/hnsw_memory_graph.o src/core/hnsw_page_format.o src/core/hnsw/page_graph.o src/core/hnsw/page_insert.o src/core/hnsw/page_scan.o src/core/hnsw/page_vacuum.o src/core/hnsw_stats.o src/core/hnsw_reachability.o \
	src/core/kmeans.o src/core/ivf_index.o src/core/ivf_training.o \
	src/core/ivf_page_format.o src/core/ivf_entries.o src/core/ivf_loader.o src/core/hnsw_check.o src/core/ivf_check.o src/core/advisor.o src/core/pq.o src/core/pq_fastscan.o
PG_OBJS = $(patsubst %.cpp,%.o,$(wildcard src/pg/*.cpp))
OBJS = $(CORE_OBJS) $(PG_OBJS)

REGRESS = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/vectorx--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=vectorx
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_INCLUDE = $(shell $(PG_CONFIG) --includedir-server)
# Postgres headers as system headers: -Wall -Wextra -Werror applies to our code only.
PG_CPPFLAGS = -Iinclude -isystem $(PG_INCLUDE) -isystem /usr/include/eigen3
PG_CXXFLAGS = -std=c++17 -Wextra -Werror -fno-math-errno
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

src/core/kernels_%.o: src/core/kernels_%.cpp
	$(CXX) $(CXXFLAGS) $(KERNEL_FLAGS_$*) $(CPPFLAGS) -c -o $@ $<

$(OBJS): $(wildcard include/vectorx/*.h include/vectorx/hnsw/*.h include/vectorx/ivf/*.h src/core/*.hpp src/core/hnsw/*.h src/pg/*.h)
