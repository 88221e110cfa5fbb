"""Kernels get CurveZMQ keys from their manager (where pyzmq supports it), so ipykernel does not
warn "Kernel is running over TCP without encryption" in the server's output."""

c = get_config()  # noqa: F821  (injected by Jupyter)

try:
    import zmq

    if zmq.has("curve"):
        c.KernelManager.transport_encryption = "auto"
except ImportError:
    pass
