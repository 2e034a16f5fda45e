{
  "targets": [
    {
      "target_name": "netstats_native",
      "sources": ["src/netstats_native.c", "src/conv.c", "src/ukernel.c", "src/gemm.c", "src/norm.c", "src/pool.c", "src/scratch.c", "src/eltwise.c", "src/optim.c", "src/loss.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/x86_64-linux-gnu/openblas-pthread"],
      "cflags": ["-O3", "-march=native", "-std=gnu11", "-fno-math-errno", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas", "-lpthread"]
    }
  ]
}
