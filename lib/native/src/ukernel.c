#include "ukernel.h"

#define INST(MR, NV) \
  static void uk_##MR##_##NV(const float *a, const float *b, const ukernel_args *p) { ukernel_body(MR, NV, a, b, p); } \
  static void ur_##MR##_##NV(const float *const *a, const float *b, const ukernel_args *p) { ukernel_rows_body(MR, NV, a, b, p); }
#define INST_NV1(MR) INST(MR, 1)
INST_NV1(1) INST_NV1(2) INST_NV1(3) INST_NV1(4) INST_NV1(5) INST_NV1(6)
INST_NV1(7) INST_NV1(8) INST_NV1(9) INST_NV1(10) INST_NV1(11) INST_NV1(12)
INST(1, 2) INST(2, 2) INST(3, 2) INST(4, 2) INST(5, 2) INST(6, 2)
INST(1, 3) INST(2, 3) INST(3, 3) INST(4, 3)
INST(1, 4) INST(2, 4) INST(3, 4)

typedef void (*uk_fn)(const float *, const float *, const ukernel_args *);
static const uk_fn table1[13] = {0, uk_1_1, uk_2_1, uk_3_1, uk_4_1, uk_5_1, uk_6_1, uk_7_1, uk_8_1, uk_9_1, uk_10_1, uk_11_1, uk_12_1};
static const uk_fn table2[7] = {0, uk_1_2, uk_2_2, uk_3_2, uk_4_2, uk_5_2, uk_6_2};
static const uk_fn table3[5] = {0, uk_1_3, uk_2_3, uk_3_3, uk_4_3};
static const uk_fn table4[4] = {0, uk_1_4, uk_2_4, uk_3_4};

void ukernel(int MR, int NV, const float *a, const float *b, const ukernel_args *p) {
  switch (NV) {
    case 1: table1[MR](a, b, p); break;
    case 2: table2[MR](a, b, p); break;
    case 3: table3[MR](a, b, p); break;
    default: table4[MR](a, b, p); break;
  }
}

typedef void (*ur_fn)(const float *const *, const float *, const ukernel_args *);
static const ur_fn rtable1[13] = {0, ur_1_1, ur_2_1, ur_3_1, ur_4_1, ur_5_1, ur_6_1, ur_7_1, ur_8_1, ur_9_1, ur_10_1, ur_11_1, ur_12_1};
static const ur_fn rtable2[7] = {0, ur_1_2, ur_2_2, ur_3_2, ur_4_2, ur_5_2, ur_6_2};
static const ur_fn rtable3[5] = {0, ur_1_3, ur_2_3, ur_3_3, ur_4_3};
static const ur_fn rtable4[4] = {0, ur_1_4, ur_2_4, ur_3_4};

void ukernel_rows(int MR, int NV, const float *const *a, const float *b, const ukernel_args *p) {
  switch (NV) {
    case 1: rtable1[MR](a, b, p); break;
    case 2: rtable2[MR](a, b, p); break;
    case 3: rtable3[MR](a, b, p); break;
    default: rtable4[MR](a, b, p); break;
  }
}
