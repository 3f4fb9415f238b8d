//! [`IndexSnapshots`] on S3. Every snapshot is put at one key of a versioned bucket: the
//! newest is the object there, older ones its earlier versions, which the bucket's
//! lifecycle rule expires. A snapshot's version is its object's ETag, which a `HEAD`
//! reads without fetching the snapshot. Publishing is a conditional write: `If-Match`
//! the ETag it was built on, or `If-None-Match: *` for the first; S3 answers 412 (or 409
//! for a conditional write racing another) when the object is no longer that one.

use async_trait::async_trait;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;

use crate::adapters::aws_error::described;
use crate::domain::catalog::{IndexSnapshots, SnapshotVersion};
use crate::domain::store::StoreError;

/// The key snapshots are put at.
pub const SNAPSHOT_KEY: &str = "catalog-index/snapshot";

fn unavailable<E>(error: SdkError<E, HttpResponse>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    StoreError::Unavailable(described("S3", &error))
}

/// Whether S3 refused a conditional write because the object changed.
fn lost_the_race<E>(error: &SdkError<E, HttpResponse>) -> bool {
    error
        .raw_response()
        .is_some_and(|response| matches!(response.status().as_u16(), 409 | 412))
}

fn version(etag: Option<&str>) -> Result<SnapshotVersion, StoreError> {
    etag.map(|etag| SnapshotVersion(etag.to_owned()))
        .ok_or_else(|| StoreError::Corrupt("S3 answered without an ETag".to_owned()))
}

/// The search index's snapshots at one key of one bucket.
#[derive(Clone, Debug)]
pub struct S3Snapshots {
    client: Client,
    bucket: String,
    key: String,
}

impl S3Snapshots {
    /// Snapshots in `bucket`, at [`SNAPSHOT_KEY`].
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3Snapshots::at_key(client, bucket, SNAPSHOT_KEY)
    }

    /// Snapshots in `bucket` at `key` (tests keep theirs apart by key).
    pub fn at_key(client: Client, bucket: impl Into<String>, key: impl Into<String>) -> Self {
        S3Snapshots {
            client,
            bucket: bucket.into(),
            key: key.into(),
        }
    }
}

#[async_trait]
impl IndexSnapshots for S3Snapshots {
    async fn publish(
        &self,
        snapshot: Vec<u8>,
        over: Option<&SnapshotVersion>,
    ) -> Result<SnapshotVersion, StoreError> {
        let put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/octet-stream")
            .body(ByteStream::from(snapshot));
        let put = match over {
            Some(version) => put.if_match(&version.0),
            None => put.if_none_match("*"),
        };
        match put.send().await {
            Ok(output) => version(output.e_tag()),
            Err(error) if lost_the_race(&error) => Err(StoreError::Conflict),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn newest_version(&self) -> Result<Option<SnapshotVersion>, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(output) => version(output.e_tag()).map(Some),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn newest(&self) -> Result<Option<(SnapshotVersion, Vec<u8>)>, StoreError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None)
            }
            Err(error) => return Err(unavailable(error)),
        };
        let version = version(output.e_tag())?;
        let bytes = output.body.collect().await.map_err(|error| {
            StoreError::Unavailable(format!(
                "S3's answer broke off: {}",
                DisplayErrorContext(&error)
            ))
        })?;
        Ok(Some((version, bytes.into_bytes().to_vec())))
    }
}
