// Opened from a local folder (file://), the browser refuses fetch(): Sphinx's search
// would still list its results but fail, with console errors, to fetch each page for a
// summary. There, list the results without summaries. (Loaded after
// documentation_options.js, before the search runs; see tools/offline_assets.py.)
// DOCUMENTATION_OPTIONS is a top-level const of documentation_options.js, not a window property.
if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
  DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
}
