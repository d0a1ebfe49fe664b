//! [`Call`]: one prepared API call — adjust it, then `.send().await` it (or `.await` it
//! directly), or turn a paginated one into a stream of items.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures::Stream;
use ksef_model::catalogue::{Operation, Paginated};

use crate::error::Result;
use crate::executor::Executor;

/// A prepared call of operation `O`. The request is plain data: change any field through
/// [`Call::with`] before sending.
#[must_use = "a call does nothing until it is sent or awaited"]
#[derive(Debug)]
pub struct Call<O> {
    exec: Executor,
    request: O,
}

impl<O: Operation + Send + Sync + 'static> Call<O>
where
    O::Response: Send + 'static,
{
    pub(crate) fn new(exec: Executor, request: O) -> Self {
        Self { exec, request }
    }

    /// Changes the request (e.g. `|r| r.page_size = Some(100)`).
    pub fn with(mut self, change: impl FnOnce(&mut O)) -> Self {
        change(&mut self.request);
        self
    }

    /// The request as it will be sent.
    pub fn request(&self) -> &O {
        &self.request
    }

    /// Sends the call and returns the decoded response.
    pub async fn send(self) -> Result<O::Response> {
        self.exec.run(&self.request).await.map(|r| r.value)
    }

    /// Sends the call without giving it up, so that the same request can be sent again (a
    /// resend whose first answer was lost) without a copy of its body.
    pub(crate) async fn send_again(&self) -> Result<O::Response> {
        self.exec.run(&self.request).await.map(|r| r.value)
    }

    /// Sends the call and returns the response with its status, headers and system warnings.
    pub async fn send_full(self) -> Result<ksef_http::ApiResponse<O::Response>> {
        self.exec.run(&self.request).await
    }
}

impl<O> Call<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Response: Send + 'static,
    O::Item: Send + 'static,
{
    /// Every item of every page, following continuation tokens or page offsets; each page is
    /// one request (rate limited like any other). Unless a page size was set with
    /// [`Call::with`], the largest the API allows is asked for, to need the fewest requests.
    ///
    /// A server that repeats a continuation token, announces more results after an empty page,
    /// or goes on past 100,000 pages ends the stream with [`crate::Error::Pagination`]
    /// instead of looping forever.
    pub fn items(self) -> impl Stream<Item = Result<O::Item>> + Send + 'static {
        let mut request = self.request;
        request.use_largest_pages();
        let state = Some((self.exec, request, PageGuard::default()));
        futures::stream::try_unfold(state, |state| async move {
            let Some((exec, mut request, mut guard)) = state else {
                return Ok::<_, crate::Error>(None);
            };
            let response = exec.run(&request).await?.value;
            let (items, info) = O::into_page(response);
            let next = if request.advance(&info) {
                guard.check(O::META.name, &info, items.is_empty())?;
                Some((exec, request, guard))
            } else {
                None
            };
            Ok(Some((
                futures::stream::iter(items.into_iter().map(Ok::<_, crate::Error>)),
                next,
            )))
        })
        .try_flatten()
    }
}

/// The most pages one paginated read follows (far beyond any real result set).
pub(crate) const MAX_PAGES: usize = 100_000;

/// What a paginated read has seen, to stop a server that never ends.
#[derive(Default)]
struct PageGuard {
    tokens: std::collections::HashSet<String>,
    pages: usize,
}

impl PageGuard {
    fn check(
        &mut self,
        operation: &'static str,
        info: &ksef_model::catalogue::PageInfo,
        empty: bool,
    ) -> Result<()> {
        self.pages += 1;
        let problem = if self.pages >= MAX_PAGES {
            Some("more pages than any result set can have")
        } else if empty {
            Some("an empty page announces more results")
        } else if let Some(token) = info.continuation_token.as_ref().filter(|t| !t.is_empty())
            && !self.tokens.insert(token.clone())
        {
            Some("the server repeated a continuation token")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(crate::Error::Pagination { operation, problem }),
            None => Ok(()),
        }
    }
}

use futures::TryStreamExt as _;

impl<O: Operation + Send + Sync + 'static> IntoFuture for Call<O>
where
    O::Response: Send + 'static,
{
    type Output = Result<O::Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
