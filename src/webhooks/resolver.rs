//! Name resolution for webhook deliveries that refuses the agency's own
//! network at connect time: the addresses checked are the addresses the
//! connection uses (no second lookup a changed DNS answer could slip
//! through), so a name that was public when the webhook was saved and
//! points inside now is refused.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::is_public;

/// Looks a host name up (the system's resolver in production; tests give
/// their own).
pub trait Lookup: Send + Sync {
    /// Every address of `host`.
    fn lookup(&self, host: &str) -> BoxFuture<'static, io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver.
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(found.map(|address| address.ip()).collect())
        })
    }
}

/// Resolves through `lookup`, refusing a name with any non-public address
/// unless private targets are allowed (development and tests).
pub struct PublicOnly {
    pub lookup: Arc<dyn Lookup>,
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let (lookup, allow_private) = (Arc::clone(&self.lookup), self.allow_private);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = lookup.lookup(&host).await?;
            if addresses.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            if !allow_private && addresses.iter().any(|address| !is_public(*address)) {
                return Err(format!("{host} resolves to a private or reserved address").into());
            }
            let addrs: Addrs = Box::new(
                addresses
                    .into_iter()
                    .map(|address| SocketAddr::new(address, 0)),
            );
            Ok(addrs)
        })
    }
}
