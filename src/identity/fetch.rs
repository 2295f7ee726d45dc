//! Every request muster makes to an identity provider (discovery, keys, the code exchange)
//! goes through one guarded [`Fetcher`], because the URLs come from admins and from the
//! providers' own documents:
//! - https only (`MUSTER_SSO_ALLOW_LOOPBACK=true` also allows loopback hosts, over http too,
//!   for development and tests);
//! - never a private, link-local, shared (CGNAT), multicast or reserved address — cloud
//!   metadata services live there — checked on the addresses a name resolves to, which are
//!   the ones connected to (so a name that resolves differently the second time gains
//!   nothing), and on addresses written in the URL;
//! - no redirects, no proxies, bodies of at most [`MAX_BODY`] within [`TIMEOUT`];
//! - keys fetched again at most once per [`REFRESH_EVERY`] per issuer on this node, by one
//!   request while the others wait for it ([`Fetcher::refresh_gate`]).

use std::{
    collections::HashMap,
    future::Future,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use openidconnect::{
    AsyncHttpClient, HttpRequest, HttpResponse,
    reqwest::{
        self,
        dns::{Addrs, Name, Resolve, Resolving},
    },
    url::{Host, Url},
};
use tokio::sync::OwnedMutexGuard;

/// The most a provider's answer may weigh (discovery documents and key sets are a few KiB).
pub const MAX_BODY: usize = 1024 * 1024;
/// The longest a provider may take to answer, from connecting to the last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Keys are fetched again at most this often per issuer, whatever the tokens say.
pub const REFRESH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("muster does not fetch {0}: {1}")]
    NotAllowed(String, &'static str),
    #[error("cannot reach {0}: {1}")]
    Unreachable(String, String),
    #[error("{0} answered more than {kib} KiB", kib = MAX_BODY / 1024)]
    TooLarge(String),
    #[error("{0} answered HTTP {1}")]
    Status(String, u16),
}

/// Last refresh of one issuer's keys, held while a refresh is under way.
type Gate = Arc<tokio::sync::Mutex<Option<DateTime<Utc>>>>;

pub struct Fetcher {
    client: reqwest::Client,
    allow_loopback: bool,
    gates: Mutex<HashMap<String, Gate>>,
}

impl Fetcher {
    pub fn new(allow_loopback: bool) -> Self {
        let client = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_loopback }))
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client with rustls");
        Self { client, allow_loopback, gates: Mutex::new(HashMap::new()) }
    }

    /// Whether muster may fetch `url`: its scheme, and its host where it is an address.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let refuse = |why| Err(FetchError::NotAllowed(url.to_string(), why));
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("a URL with credentials in it is refused");
        }
        let loopback = match url.host() {
            Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => return refuse("it has no host"),
        };
        if loopback && !self.allow_loopback {
            return refuse("loopback hosts are allowed only with MUSTER_SSO_ALLOW_LOOPBACK=true");
        }
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return refuse("it must use https"),
        }
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if literal.is_some_and(|ip| !address_allowed(ip, self.allow_loopback)) {
            return refuse("it is a private, link-local, shared or reserved address");
        }
        Ok(())
    }

    /// The body of `url`, within the bounds.
    pub async fn get(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        self.check_url(url)?;
        let request = self.client.get(url.clone()).build().map_err(|err| unreachable(url, &err))?;
        let (status, _, body) = self.send(request).await?;
        if !(200..300).contains(&status.as_u16()) {
            return Err(FetchError::Status(url.to_string(), status.as_u16()));
        }
        Ok(body)
    }

    async fn send(
        &self,
        request: reqwest::Request,
    ) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), FetchError> {
        let url = request.url().clone();
        let mut response = self.client.execute(request).await.map_err(|err| unreachable(&url, &err))?;
        if response.content_length().is_some_and(|length| length > MAX_BODY as u64) {
            return Err(FetchError::TooLarge(url.to_string()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| unreachable(&url, &err))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FetchError::TooLarge(url.to_string()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((response.status(), response.headers().clone(), body))
    }

    /// The right to fetch `issuer`'s keys: held by one request at a time; the time of the last
    /// fetch tells whether another may start (see [`REFRESH_EVERY`]).
    pub async fn refresh_gate(&self, issuer: &str) -> OwnedMutexGuard<Option<DateTime<Utc>>> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            gates.entry(issuer.to_owned()).or_default().clone()
        };
        gate.lock_owned().await
    }
}

/// The code exchange goes through the same guard (openidconnect calls it).
impl<'c> AsyncHttpClient<'c> for Fetcher {
    type Error = FetchError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, FetchError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let target = request.uri().to_string();
            let url = Url::parse(&target).map_err(|_| FetchError::NotAllowed(target, "not a URL"))?;
            self.check_url(&url)?;
            let request: reqwest::Request = request.try_into().map_err(|err| unreachable(&url, &err))?;
            let (status, headers, body) = self.send(request).await?;
            let mut response = openidconnect::http::Response::builder().status(status.as_u16());
            for (name, value) in &headers {
                response = response.header(name.as_str(), value.as_bytes());
            }
            response.body(body).map_err(|err| FetchError::Unreachable(url.to_string(), err.to_string()))
        })
    }
}

fn unreachable(url: &Url, err: &reqwest::Error) -> FetchError {
    let why = if err.is_timeout() {
        "it did not answer in time".to_owned()
    } else if err.is_connect() {
        "the connection was refused or failed, or the host resolves only to addresses muster may not fetch from"
            .to_owned()
    } else {
        // Without the URL, which the error would repeat.
        err.without_url_string()
    };
    FetchError::Unreachable(url.to_string(), why)
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "the URL");
        }
        text
    }
}

/// Resolves names as the system does, keeping only the addresses muster may connect to.
struct GuardedResolver {
    allow_loopback: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                resolved.into_iter().filter(|address| address_allowed(address.ip(), allow_loopback)).collect();
            if allowed.is_empty() {
                let message = format!("{host} resolves only to addresses muster may not fetch from");
                return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, message).into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether muster may connect to `ip`: a public address (or loopback, where allowed).
pub fn address_allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, allow_loopback),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_allowed(v4, allow_loopback),
            None => v6_allowed(v6, allow_loopback),
        },
    }
}

fn v4_allowed(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    let benchmarking = a == 198 && (b == 18 || b == 19); // 198.18.0.0/15
    let reserved = a >= 240 || a == 0; // 240.0.0.0/4, 0.0.0.0/8
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || shared
        || benchmarking
        || reserved)
}

fn v6_allowed(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7 (fd00:ec2::254 is a metadata service)
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    let site_local = first & 0xffc0 == 0xfec0; // fec0::/10
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8; // 2001:db8::/32
    // Addresses that carry an IPv4 one (NAT64, 6to4) are as allowed as the address they carry.
    let nat64 = ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if nat64 {
        return v4_allowed(embedded(ip.segments()[6], ip.segments()[7]), false);
    }
    if first == 0x2002 {
        return v4_allowed(embedded(ip.segments()[1], ip.segments()[2]), false);
    }
    !(ip.is_unspecified() || ip.is_multicast() || unique_local || link_local || site_local || documentation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(ip: &str) -> bool {
        address_allowed(ip.parse().unwrap(), false)
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for refused in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
        ] {
            assert!(!allowed(refused), "{refused}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808"] {
            assert!(allowed(public), "{public}");
        }
        assert!(address_allowed("127.0.0.1".parse().unwrap(), true), "loopback where allowed");
        assert!(!address_allowed("10.0.0.1".parse().unwrap(), true), "private never");
    }

    #[test]
    fn urls_need_https_and_a_public_host() {
        let strict = Fetcher::new(false);
        let check = |fetcher: &Fetcher, url: &str| fetcher.check_url(&Url::parse(url).unwrap()).is_ok();
        assert!(check(&strict, "https://login.example.com/x"));
        assert!(!check(&strict, "http://login.example.com/x"));
        assert!(!check(&strict, "https://127.0.0.1:8443/x"));
        assert!(!check(&strict, "https://localhost/x"));
        assert!(!check(&strict, "https://169.254.169.254/latest/meta-data"));
        assert!(!check(&strict, "https://[fd00:ec2::254]/"));
        assert!(!check(&strict, "https://user:pass@login.example.com/"));
        assert!(!check(&strict, "ftp://login.example.com/"));
        let loopback = Fetcher::new(true);
        assert!(check(&loopback, "http://127.0.0.1:9000/"));
        assert!(check(&loopback, "http://localhost:9000/"));
        assert!(!check(&loopback, "http://10.0.0.1/"), "loopback only, not every address");
        assert!(!check(&loopback, "http://login.example.com/"), "http only for loopback");
    }

    #[tokio::test]
    async fn names_that_resolve_only_to_forbidden_addresses_are_not_connected_to() {
        let resolver = GuardedResolver { allow_loopback: false };
        let refused = resolver.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err(), "localhost resolves to loopback");
        let allowed = GuardedResolver { allow_loopback: true }.resolve("localhost".parse().unwrap()).await;
        assert!(allowed.is_ok_and(|mut addrs| addrs.next().is_some()));
    }
}
