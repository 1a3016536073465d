// SPDX-License-Identifier: BSD-3-Clause
/* Linear layers on the device: forward through cuBLASLt with the bias (and
 * ReLU) fused into the product's epilogue, backward through cuBLAS (dW, dX)
 * and a column-sum kernel (db).
 *
 * libcnb keeps matrices row-major; cuBLAS reads column-major, which is the
 * transpose of the same memory.  So y = x W^T (x [rows, in], W [out, in],
 * y [rows, out]) is, column-major, Y' = W'^T X' with W' [in, out], X' [in,
 * rows], Y' [out, rows]: m = out, n = rows, k = in, A = W transposed.
 *
 * TF32 is off by default so that results match the CPU's float32 products
 * to rounding; set_float32_matmul_precision("high") turns it on (tensor
 * cores, a 10-bit mantissa in the products), as in PyTorch.
 *
 * A cuBLASLt product needs descriptors and an algorithm from the
 * heuristic, which cost tens of microseconds of host time: they are made
 * once per shape and kept (a training run has a handful of shapes).  Where
 * the heuristic offers no algorithm with the epilogue for a shape, that
 * shape takes cublasSgemm and a bias(+ReLU) kernel instead. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

#include <cstdint>

#define WORKSPACE_BYTES ((size_t)32 << 20)   /* what cuBLASLt asks for on Hopper */
#define PLAN_SLOTS 64

typedef struct MatmulPlan {
    int rows, in, out, relu, tf32;
    int align;                    /* bytes every pointer is aligned to: 4, 8 or 16 */
    cublasLtMatmulDesc_t desc;
    cublasLtMatrixLayout_t a, b, c;
    cublasLtMatmulAlgo_t algo;
    bool separate_bias;           /* no cuBLASLt algorithm: cublasSgemm + bias_kernel */
} MatmulPlan;

static cublasHandle_t blas;
static cublasLtHandle_t lt;
static void *workspace;
static int tf32;
static MatmulPlan plans[PLAN_SLOTS];
static int plan_count;

static int handles(void)
{
    if (blas)
        return 0;
    cublasHandle_t b = nullptr;
    cublasLtHandle_t l = nullptr;
    void *w = nullptr;
    if (cublas_check(cublasCreate(&b), "cublasCreate") < 0)
        return -1;
    if (cublas_check(cublasLtCreate(&l), "cublasLtCreate") < 0) {
        cublasDestroy(b);
        return -1;
    }
    if (cuda_check(cudaMalloc(&w, WORKSPACE_BYTES), "cudaMalloc (cuBLASLt workspace)") < 0) {
        cublasLtDestroy(l);
        cublasDestroy(b);
        return -1;
    }
    blas = b, lt = l, workspace = w;
    return cublas_check(cublasSetMathMode(blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                     : CUBLAS_DEFAULT_MATH),
                        "cublasSetMathMode");
}

int blas_set_tf32(int allowed)
{
    tf32 = allowed != 0;
    if (!blas)
        return 0;
    return cublas_check(cublasSetMathMode(blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                     : CUBLAS_DEFAULT_MATH),
                        "cublasSetMathMode");
}

static void plan_destroy(MatmulPlan *p)
{
    if (p->a) cublasLtMatrixLayoutDestroy(p->a);
    if (p->b) cublasLtMatrixLayoutDestroy(p->b);
    if (p->c) cublasLtMatrixLayoutDestroy(p->c);
    if (p->desc) cublasLtMatmulDescDestroy(p->desc);
    *p = MatmulPlan();
}

void blas_release(void)
{
    for (int i = 0; i < plan_count; i++)
        plan_destroy(&plans[i]);
    plan_count = 0;
    if (workspace) cudaFree(workspace);
    if (lt) cublasLtDestroy(lt);
    if (blas) cublasDestroy(blas);
    workspace = nullptr;
    lt = nullptr;
    blas = nullptr;
}

static int plan_describe(MatmulPlan *p)
{
    cublasOperation_t trans = CUBLAS_OP_T, none = CUBLAS_OP_N;
    cublasLtEpilogue_t epilogue = p->relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
    cublasComputeType_t compute = p->tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    if (cublas_check(cublasLtMatmulDescCreate(&p->desc, compute, CUDA_R_32F),
                     "cublasLtMatmulDescCreate") < 0 ||
        cublas_check(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                                    &trans, sizeof trans),
                     "cublasLtMatmulDescSetAttribute(TRANSA)") < 0 ||
        cublas_check(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                                    &none, sizeof none),
                     "cublasLtMatmulDescSetAttribute(TRANSB)") < 0 ||
        cublas_check(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                    &epilogue, sizeof epilogue),
                     "cublasLtMatmulDescSetAttribute(EPILOGUE)") < 0)
        return -1;
    /* W' [in, out], X' [in, rows], Y' [out, rows], column-major */
    return cublas_check(cublasLtMatrixLayoutCreate(&p->a, CUDA_R_32F, p->in, p->out, p->in),
                        "cublasLtMatrixLayoutCreate(W)") < 0 ||
           cublas_check(cublasLtMatrixLayoutCreate(&p->b, CUDA_R_32F, p->in, p->rows, p->in),
                        "cublasLtMatrixLayoutCreate(x)") < 0 ||
           cublas_check(cublasLtMatrixLayoutCreate(&p->c, CUDA_R_32F, p->out, p->rows, p->out),
                        "cublasLtMatrixLayoutCreate(y)") < 0 ? -1 : 0;
}

static int set_alignment(cublasLtMatmulPreference_t pref, cublasLtMatmulPreferenceAttributes_t what,
                         uint32_t bytes)
{
    return cublas_check(cublasLtMatmulPreferenceSetAttribute(pref, what, &bytes, sizeof bytes),
                        "cublasLtMatmulPreferenceSetAttribute(MIN_ALIGNMENT)");
}

/* The alignment all the operands share: 16 bytes, 8 or 4. */
static int common_alignment(const void *x, const void *w, const void *b, const void *y)
{
    uintptr_t bits = (uintptr_t)x | (uintptr_t)w | (uintptr_t)b | (uintptr_t)y;
    return bits % 16 == 0 ? 16 : bits % 8 == 0 ? 8 : 4;
}

static int plan_choose(MatmulPlan *p)
{
    cublasLtMatmulPreference_t pref;
    size_t bytes = WORKSPACE_BYTES;
    if (cublas_check(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate") < 0)
        return -1;
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    /* the heuristic otherwise assumes 256-byte aligned operands; a layer's
     * weights and bias in a flat buffer, or a batch's rows, may be less */
    uint32_t align = (uint32_t)p->align;
    int status = cublas_check(cublasLtMatmulPreferenceSetAttribute(pref,
                                  CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &bytes, sizeof bytes),
                              "cublasLtMatmulPreferenceSetAttribute") < 0 ||
                 set_alignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align) < 0 ||
                 set_alignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align) < 0 ||
                 set_alignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align) < 0 ||
                 set_alignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align) < 0 ||
                 cublas_check(cublasLtMatmulAlgoGetHeuristic(lt, p->desc, p->a, p->b, p->c, p->c,
                                                             pref, 1, &result, &found),
                              "cublasLtMatmulAlgoGetHeuristic") < 0 ? -1 : 0;
    cublasLtMatmulPreferenceDestroy(pref);
    if (status < 0)
        return -1;
    if (found == 0)
        p->separate_bias = true;
    else
        p->algo = result.algo;
    return 0;
}

/* The plan of a shape, made on first use; when the slots are full the
 * oldest goes (a model of many shapes still works, more slowly). */
static MatmulPlan *plan_get(int rows, int in, int out, int relu, int align)
{
    for (int i = 0; i < plan_count; i++) {
        MatmulPlan *p = &plans[i];
        if (p->rows == rows && p->in == in && p->out == out && p->relu == relu &&
            p->tf32 == tf32 && p->align == align)
            return p;
    }
    static int next;
    MatmulPlan *p = &plans[plan_count < PLAN_SLOTS ? plan_count++ : next++ % PLAN_SLOTS];
    plan_destroy(p);
    p->rows = rows, p->in = in, p->out = out, p->relu = relu, p->tf32 = tf32, p->align = align;
    if (plan_describe(p) < 0 || plan_choose(p) < 0) {
        plan_destroy(p);          /* an empty slot matches no shape (rows 0 never asks) */
        return nullptr;
    }
    return p;
}

/* y[r][j] += b[j], then max(y, 0) when relu: the epilogue, by itself. */
__global__ static void bias_kernel(float *y, const float *b, size_t n, int cols, int relu)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float v = y[i] + b[i % cols];
        y[i] = relu && !(v > 0.0f) ? 0.0f : v;
    }
}

static int forward_separate(const float *x, const float *w, const float *b, float *y, int rows,
                            int in, int out, int relu)
{
    const float one = 1.0f, zero = 0.0f;
    if (cublas_check(cublasSgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, out, rows, in, &one, w, in, x,
                                 in, &zero, y, out), "cublasSgemm (linear forward)") < 0)
        return -1;
    size_t n = (size_t)rows * out;
    bias_kernel<<<blocks_for(n), 256>>>(y, b, n, out, relu);
    return CUDA_CHECK_LAUNCH("bias_kernel");
}

int blas_linear_forward(const float *x, const float *w, const float *b, float *y, int rows,
                        int in, int out, int relu)
{
    if (rows == 0 || out == 0)
        return 0;
    if (handles() < 0)
        return -1;
    MatmulPlan *p = plan_get(rows, in, out, relu != 0, common_alignment(x, w, b, y));
    if (!p)
        return -1;
    if (p->separate_bias)
        return forward_separate(x, w, b, y, rows, in, out, relu);
    if (cublas_check(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                    &b, sizeof b),
                     "cublasLtMatmulDescSetAttribute(BIAS_POINTER)") < 0)
        return -1;
    const float one = 1.0f, zero = 0.0f;
    return cublas_check(cublasLtMatmul(lt, p->desc, &one, w, p->a, x, p->b, &zero, y, p->c, y,
                                       p->c, &p->algo, workspace, WORKSPACE_BYTES, 0),
                        "cublasLtMatmul (linear forward)");
}

/* db[j] (+)= sum over rows of g[r][j], rows in order as the CPU adds them. */
__global__ static void column_sums_kernel(const float *g, float *db, int rows, int cols,
                                          int accumulate)
{
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < cols; j += gridDim.x * blockDim.x) {
        float sum = accumulate ? db[j] : 0.0f;
        for (int r = 0; r < rows; r++)
            sum += g[(size_t)r * cols + j];
        db[j] = sum;
    }
}

int blas_linear_backward(const float *x, const float *w, const float *g, float *dw, float *db,
                         float *dx, int rows, int in, int out, int accumulate)
{
    if (handles() < 0)
        return -1;
    const float one = 1.0f, zero = 0.0f, beta = accumulate ? 1.0f : 0.0f;
    /* dW [out, in] = g^T x:  dW' [in, out] = X' G'^T */
    if (cublas_check(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, rows, &one, x, in, g,
                                 out, &beta, dw, in), "cublasSgemm (linear backward, dW)") < 0)
        return -1;
    column_sums_kernel<<<blocks_for((size_t)out), 256>>>(g, db, rows, out, accumulate);
    if (CUDA_CHECK_LAUNCH("column_sums_kernel") < 0)
        return -1;
    if (!dx || rows == 0)
        return 0;
    /* dx [rows, in] = g W:  dX' [in, rows] = W' G' */
    return cublas_check(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, in, rows, out, &one, w, in, g,
                                    out, &zero, dx, in), "cublasSgemm (linear backward, dx)");
}
