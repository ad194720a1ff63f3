"""Runtime hook (runs before the app): certificates for TLS on Linux.

The app verifies TLS against the operating system's certificate store (``truststore``),
which on Linux means the CA file of the distribution. A machine without one (a minimal
install without ``ca-certificates``) would fail every HTTPS call, so there, and only
there, point OpenSSL at the certifi bundle shipped inside the app. Windows and macOS
always have a store; ``SSL_CERT_FILE``/``SSL_CERT_DIR`` set by the user win.
"""


def _sdx_ca_fallback() -> None:
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return
    if any(os.environ.get(name) for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")):
        return
    import ssl

    paths = ssl.get_default_verify_paths()
    if paths.cafile or (paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath)):
        return
    # The places truststore also looks (Debian/Ubuntu, Fedora/RHEL, SUSE, Alpine/Arch).
    for candidate in (
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/pki/tls/cert.pem",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ):
        if os.path.isfile(candidate):
            return
    bundle = os.path.join(getattr(sys, "_MEIPASS", ""), "certifi", "cacert.pem")
    if os.path.isfile(bundle):
        os.environ["SSL_CERT_FILE"] = bundle


_sdx_ca_fallback()
del _sdx_ca_fallback
