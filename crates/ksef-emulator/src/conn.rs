//! Connections a request can abort with a real TCP reset, for the connection-reset faults.
//!
//! [`ResetListener`] wraps the server's `TcpListener`; every accepted connection carries a
//! shared flag that the request pipeline reaches through the [`Connection`] connect info. Once
//! [`Connection::reset`] is called, the socket is switched to an abortive close (`SO_LINGER` 0)
//! and every further read or write fails, so the server drops it and the peer receives a `RST`
//! before any byte of the response.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The server's listener.
#[derive(Debug)]
pub(crate) struct ResetListener(pub TcpListener);

impl axum::serve::Listener for ResetListener {
    type Io = ResettableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            ResettableStream {
                inner: stream,
                reset: Arc::new(AtomicBool::new(false)),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// An accepted connection that fails (and closes with a reset) once its flag is raised.
#[derive(Debug)]
pub(crate) struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl ResettableStream {
    /// `Some(error)` once the connection is to be reset (the socket then closes abortively).
    fn aborted(&self) -> Option<io::Error> {
        if !self.reset.load(Ordering::Acquire) {
            return None;
        }
        if let Err(e) = self.inner.set_zero_linger() {
            tracing::debug!(error = %e, "cannot switch the socket to an abortive close");
        }
        Some(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset (emulator fault)",
        ))
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.aborted() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.aborted() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.aborted() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.aborted() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The connect info of a request: the peer's address and the connection's reset switch.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The peer's address.
    pub addr: SocketAddr,
    reset: Arc<AtomicBool>,
}

impl Connection {
    /// Resets the connection: nothing more is read or written on it, and the peer gets a `RST`.
    pub(crate) fn reset(&self) {
        self.reset.store(true, Ordering::Release);
    }
}

impl Connected<IncomingStream<'_, ResetListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, ResetListener>) -> Self {
        Self {
            addr: *stream.remote_addr(),
            reset: stream.io().reset.clone(),
        }
    }
}
