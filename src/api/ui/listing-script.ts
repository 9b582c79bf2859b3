/**
 * The fleet listing the page shows, as browser JavaScript. `GET /workers` filters each page after cutting it by
 * name, so a page may be short, even empty, while `next_cursor` says there is more: only a missing `next_cursor`
 * means the end. The page follows it, within a bound (a refresh must not read a large fleet whole), and says when
 * it stopped with more left unread.
 *
 * @module
 */
export const LISTING_SCRIPT = `
/** Names per request (what one request reads). */
var LIST_PAGE = 200;
/** Requests per refresh at most: 2,000 names read, whatever the fleet's size. */
var LIST_MAX_PAGES = 10;
/** Enough rows for a table: once this many match, the rest is left unread. */
var LIST_ENOUGH = 200;

/** Resolves { workers, more, pages }: \`more\` when a next_cursor was left unfollowed. */
function listFleet(filters) {
  var workers = [];
  function follow(cursor, pages) {
    return Api.listWorkers(filters, LIST_PAGE, cursor).then(function (page) {
      workers = workers.concat(page.workers);
      pages += 1;
      if (!page.next_cursor) return { workers: workers, more: false, pages: pages };
      if (workers.length >= LIST_ENOUGH || pages >= LIST_MAX_PAGES) return { workers: workers, more: true, pages: pages };
      return follow(page.next_cursor, pages);
    });
  }
  return follow(null, 0);
}

/** The status line's count: honest about a listing cut short. */
function listingSummary(listing) {
  var n = listing.workers.length + ' worker(s)';
  if (!listing.more) return n;
  return 'showing ' + n + '; more not read (' + listing.pages * LIST_PAGE + ' names looked at): narrow the filters';
}
`;
