"""The comment planner (app.sync.comment_plan): a table of (comments, copies, rules) -> actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.sync.comment_copies import CommentCopy, CopyState
from app.sync.comment_plan import CopyRules, DeleteCopy, EditCopy, PostCopy, SkipComment, digest, plan_comments
from app.sync.jira_answers import CommentView, Visibility
from app.sync.marker import CommentMarker, CopyMarker

SINCE = datetime(2026, 12, 1, tzinfo=UTC)
AFTER, BEFORE = SINCE + timedelta(hours=1), SINCE - timedelta(hours=1)
TO_DEV = CopyRules("user", "all", True, "skip", SINCE, origin_service_desk=True, target_service_desk=False)
TO_USER = CopyRules("dev", "internal", True, "skip", SINCE, origin_service_desk=False, target_service_desk=True)
ROLE = Visibility("role", "Developers", "Developers")


def comment(comment_id: str = "1", body: str = "hello", created: datetime = AFTER, **fields) -> CommentView:
    return CommentView(comment_id, None, "Hannah", created, created, body, **fields)


def copied(original: CommentView, state: CopyState = CopyState.COPIED, origin: str = "user") -> CommentCopy:
    assert original.id is not None
    return CommentCopy(origin, "10", original.id, "20", state, digest(original), "99")  # type: ignore[arg-type]


def kinds(actions) -> list[str]:
    return [type(action).__name__ for action in actions]


EDITED = comment(body="better")
PLAIN = comment()
CASES = {
    "a new comment is copied": ([PLAIN], {}, TO_DEV, ["PostCopy"]),
    "a comment older than comment sync is not": ([comment(created=BEFORE)], {}, TO_DEV, []),
    "a copy (ours) is never copied back": ([replace(PLAIN, marker=CopyMarker("s", "1", "2"))], {}, TO_DEV, []),
    "a notice (ours) is never copied": ([replace(PLAIN, marker=CommentMarker("c"))], {}, TO_USER, []),
    "a copied comment unchanged: nothing": ([PLAIN], {"1": copied(PLAIN)}, TO_DEV, []),
    "an edited original edits its copy": ([EDITED], {"1": copied(PLAIN)}, TO_DEV, ["EditCopy"]),
    "without followEdits an edit stays": ([EDITED], {"1": copied(PLAIN)}, replace(TO_DEV, follow_edits=False), []),
    "a deleted original deletes its copy": ([], {"1": copied(PLAIN)}, TO_DEV, ["DeleteCopy"]),
    "without followEdits a delete stays": ([], {"1": copied(PLAIN)}, replace(TO_DEV, follow_edits=False), []),
    "an unfinished post is posted (after a marker look-up)": ([PLAIN], {"1": copied(PLAIN, CopyState.POSTING)}, TO_DEV,
                                                             ["PostCopy"]),
    "an unfinished post whose original is gone is deleted": ([], {"1": copied(PLAIN, CopyState.POSTING)}, TO_DEV,
                                                             ["DeleteCopy"]),
    "a deleted copy stays deleted": ([EDITED], {"1": copied(PLAIN, CopyState.DELETED)}, TO_DEV, []),
    "a restricted comment is skipped": ([comment(visibility=ROLE)], {}, TO_USER, ["SkipComment"]),
    "a skip is reported once per version": ([comment(visibility=ROLE)],
                                            {"1": copied(comment(visibility=ROLE), CopyState.SKIPPED, "dev")}, TO_USER,
                                            []),
    "restricted keep copies the restriction": ([comment(visibility=ROLE)], {}, replace(TO_USER, restricted="keep"),
                                               ["PostCopy"]),
    "toDev public skips an internal note": ([comment(jsd_public=False)], {}, replace(TO_DEV, mode="public"),
                                            ["SkipComment"]),
    "toDev public keeps a public reply": ([comment(jsd_public=True)], {}, replace(TO_DEV, mode="public"), ["PostCopy"]),
    "toDev public outside a service project takes every unrestricted comment": (
        [comment(jsd_public=True), comment("2", visibility=ROLE)], {},
        replace(TO_DEV, mode="public", origin_service_desk=False), ["PostCopy", "SkipComment"]),
    "none copies nothing": ([PLAIN], {}, replace(TO_DEV, mode="none"), []),
    "a copied comment made restricted loses its copy": ([comment(visibility=ROLE)], {"1": copied(PLAIN, origin="dev")},
                                                       TO_USER, ["DeleteCopy", "SkipComment"]),
    "oldest first": ([comment("1"), comment("2")], {}, TO_DEV, ["PostCopy", "PostCopy"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_planner_decides(name: str) -> None:
    originals, copies, rules, expected = CASES[name]
    assert kinds(plan_comments(originals, copies, rules)) == expected


@pytest.mark.parametrize(("rules", "internal", "verify"), [
    (TO_USER, True, True),  # toUser internal on a service project: asked for, and checked in the answer
    (replace(TO_USER, mode="public"), False, False),  # the file says public
    # no customers: asked for all the same (harmless there), not checked (Jira answers it public)
    (replace(TO_USER, target_service_desk=False), True, False),
    (TO_DEV, False, False),
    (replace(TO_DEV, target_service_desk=True), True, True),  # a Dev service project's customers never read Dev talk
])
def test_a_copy_is_internal_unless_the_file_says_public(rules, internal, verify) -> None:
    [post] = plan_comments([PLAIN], {}, rules)
    assert isinstance(post, PostCopy) and (post.internal, post.verify) == (internal, verify)


def test_the_order_follows_the_comments_and_names_each_action() -> None:
    actions = plan_comments([comment("1"), comment("2", body="b")], {"2": copied(comment("2"))}, TO_DEV)
    assert [a.original.id for a in actions if isinstance(a, (PostCopy, EditCopy))] == ["1", "2"]
    assert all(a.describe() for a in actions)
    skip = plan_comments([comment(visibility=ROLE)], {}, TO_USER)[0]
    assert isinstance(skip, SkipComment) and skip.reason == "restricted to role 'Developers'; restricted is skip"
    delete = plan_comments([], {"1": copied(PLAIN)}, TO_DEV)[0]
    assert isinstance(delete, DeleteCopy) and delete.reason == "the original was deleted"


@pytest.mark.parametrize(("body", "embeds"), [
    ("see !screen.png!", True),
    ("see !screen.png|thumbnail!", True),
    ("the log: [^trace.log]", True),
    ("wow! really!", False),  # exclamations, not an embed
    ("plain text", False),
    ({"type": "doc", "version": 1, "content": [{"type": "mediaSingle", "content": [
        {"type": "media", "attrs": {"id": "abc", "type": "file", "collection": ""}}]}]}, True),
    ({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "!a!"}]}]},
     False),  # ADF text is text: only media nodes embed
    ({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "mediaInline", "attrs": {"id": "abc", "type": "file", "collection": ""}}]}]}, True),
    ({"type": "doc", "version": 1, "content": [{"type": "mediaSingle", "content": [
        {"type": "media", "attrs": {"type": "external", "url": "https://example.com/a.png"}}]}]},
     False),  # an external image is a URL, no file of the issue
    (None, False),
])
def test_what_embeds_files(body, embeds) -> None:
    from app.sync.comment_body import embeds_files

    assert embeds_files(body) is embeds
