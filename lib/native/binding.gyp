{
  "variables": {
    # oneDNN (Debian's libdnnl-dev) when its header is installed: the convolutions then run in it (src/dnnl_conv.c),
    # the C kernels stay as the fallback. Set NETSTATS_ONEDNN=0 at build time to build without it.
    "with_dnnl": "<!(sh -c '[ \"${NETSTATS_ONEDNN:-1}\" != 0 ] && [ -e /usr/include/oneapi/dnnl/dnnl.h ] && echo 1 || echo 0')"
  },
  "targets": [
    {
      "target_name": "netstats_native",
      "sources": ["src/netstats_native.c", "src/conv.c", "src/dnnl_conv.c", "src/ukernel.c", "src/gemm.c", "src/norm.c", "src/pool.c", "src/scratch.c", "src/eltwise.c", "src/optim.c", "src/loss.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/x86_64-linux-gnu/openblas-pthread"],
      "cflags": ["-O3", "-march=native", "-std=gnu11", "-fno-math-errno", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas", "-lpthread"],
      "conditions": [
        ["with_dnnl==1", {
          "defines": ["NETSTATS_DNNL"],
          "include_dirs": ["/usr/include/oneapi/dnnl"],
          "libraries": ["-ldnnl", "-lgomp"]
        }]
      ]
    }
  ]
}
