//! A TLS front for the fake PyPI: accepts TLS connections on loopback and relays the
//! plaintext to a running [`super::FakePypi`], so tests reach it over `https` with a
//! certificate from a CA of their own (`fixtures/tls/`: TLS interception, custom CA
//! bundles). The fake PyPI itself is unchanged: it only ever sees plain HTTP.
//!
//! Pages served through the front still carry `http://` links where they use
//! [`super::BASE_PLACEHOLDER`]; a test that needs `https` links writes them into the pages.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A running TLS front. Stops when dropped.
#[derive(Debug)]
pub struct TlsFront {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsFront {
    /// Serves TLS on `127.0.0.1` at a free port with the PEM certificate chain and PKCS#8
    /// key, relaying each connection to `backend`.
    pub fn start(
        backend: SocketAddr,
        chain_pem: &[u8],
        key_pem: &[u8],
    ) -> std::io::Result<TlsFront> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("bad certificate PEM: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| invalid(format!("bad key PEM: {e}")))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(e.to_string()))?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("fake-pypi-tls".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    tokio::select! {
                        _ = relay_loop(listener, acceptor, backend) => {}
                        _ = stopped => {}
                    }
                });
                runtime.shutdown_background();
            })?;
        Ok(TlsFront {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `https://127.0.0.1:<port>/simple`.
    pub fn index_url(&self) -> String {
        format!("{}/simple", self.url())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn relay_loop(listener: TcpListener, acceptor: TlsAcceptor, backend: SocketAddr) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // A client that rejects the certificate ends the handshake: nothing to relay.
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            let Ok(mut plain) = TcpStream::connect(backend).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        });
    }
}
