//! One sender per relayer key: of two senders (two replicas), only the one holding the key's
//! lock talks to the node, and the other takes over when it dies. Each reaches the node through
//! a proxy of its own that counts the transactions broadcast through it, so the test sees who
//! sent, not only that nothing was sent twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::primitives::U256;
use nexus_bounty::relayer::TransactionStatus;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::Relay;

/// A TCP proxy to the node counting `eth_sendRawTransaction` requests.
struct CountingProxy {
    url: String,
    broadcasts: Arc<AtomicUsize>,
}

impl CountingProxy {
    async fn start(node_url: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let node = node_url.trim_start_matches("http://").to_owned();
        let broadcasts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&broadcasts);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay_connection(client, node.clone(), Arc::clone(&counter)));
            }
        });
        Self { url, broadcasts }
    }

    fn broadcasts(&self) -> usize {
        self.broadcasts.load(Ordering::SeqCst)
    }
}

async fn relay_connection(client: TcpStream, node: String, counter: Arc<AtomicUsize>) {
    let Ok(server) = TcpStream::connect(&node).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upload = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(read) = client_read.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            let chunk = &buffer[..read];
            let method = b"eth_sendRawTransaction";
            let found = chunk
                .windows(method.len())
                .filter(|window| window == method)
                .count();
            counter.fetch_add(found, Ordering::SeqCst);
            if server_write.write_all(chunk).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let download = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    };
    tokio::join!(upload, download);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_senders_for_one_key_only_the_lock_holder_sends_and_the_other_takes_over() {
    let relay = Relay::start().await;
    let proxies = [
        CountingProxy::start(relay.chain.url()).await,
        CountingProxy::start(relay.chain.url()).await,
    ];
    let mut senders = Vec::new();
    for proxy in &proxies {
        let mut chain = relay.chain.settings();
        chain.rpc_url = proxy.url.clone().into();
        senders.push(relay.spawn_sender_on(chain));
    }
    let mut ids = Vec::new();
    for amount in 1..=10 {
        ids.push(relay.queue(relay.approve(amount)).await);
    }
    relay.until_all(&ids, TransactionStatus::Confirmed).await;

    assert_eq!(relay.mined_count().await, 10);
    let counts = [proxies[0].broadcasts(), proxies[1].broadcasts()];
    let holder = usize::from(counts[0] == 0);
    assert!(
        counts[holder] >= 10 && counts[1 - holder] == 0,
        "broadcasts through each sender: {counts:?}"
    );
    let holders = sqlx::query_scalar!(
        "SELECT count(*) AS \"holders!\" FROM pg_locks \
         WHERE locktype = 'advisory' AND granted AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    .fetch_one(&relay.context.database.pool)
    .await
    .unwrap();
    assert_eq!(holders, 1, "one session holds the key's lock");

    // The holder dies (its session with it); the other takes the lock and sends the rest.
    let (holder_task, _) = senders.remove(holder);
    holder_task.abort();
    let _ = holder_task.await;
    let mut more = Vec::new();
    for amount in 11..=15 {
        more.push(relay.queue(relay.approve(amount)).await);
    }
    relay.until_all(&more, TransactionStatus::Confirmed).await;

    assert_eq!(relay.mined_count().await, 15);
    assert_eq!(relay.allowance().await, U256::from(15));
    assert!(proxies[1 - holder].broadcasts() >= 5);
    let (task, shutdown) = senders.remove(0);
    shutdown.cancel();
    task.await.unwrap();
}
