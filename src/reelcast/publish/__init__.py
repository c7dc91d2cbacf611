"""The last stage: an episode made from what was spoken, the show rendered, and one commit.

- `episode`: `make_episode` and what it is made of (GUID, slug, summary), pure;
- `sidefiles`: the one table of what a published file is, and the side files' formats;
- `feed`, `page`, `artwork`: the feed, the listening page and the cover, rendered by `show.render_show`;
- `commit`: the one way files change (publish, `reelcast feed`, `reelcast remove`), safe against kills.
"""
