"""Signatures (V1, V4, presigned) through both SDKs, STS tokens, clock skew, and anonymous access
against ACLs (for every object a request reaches)."""

from __future__ import annotations

import email.utils
import time
from urllib.parse import urlsplit

import oss2
import pytest
import requests

from ossimg.img.chain import b64url

from ..conftest import make_image
from .clients import Credentials, raises

SIGNING = ["v1", "v4"]


class TamperingSession(oss2.Session):
    """Changes a header after oss2 has signed the request, as a man in the middle would."""

    def do_request(self, req, timeout):
        req.headers["x-oss-meta-note"] = "tampered"
        return super().do_request(req, timeout)


@pytest.fixture(name="obj")
def _obj(bucket):
    bucket.put("secret.txt", b"classified")
    return bucket


class TestSignatures:
    """Each signing method of each SDK is verified for real: right keys pass, anything else is refused."""

    @pytest.mark.parametrize("signing", SIGNING)
    def test_correct_signature(self, obj, signing):
        assert obj.signed(signing).get("secret.txt").body == b"classified"

    @pytest.mark.parametrize("signing", SIGNING)
    def test_wrong_secret(self, obj, target, signing):
        wrong = obj.signed(signing).with_credentials(Credentials(target.credentials.access_key_id, "wrong"))
        with raises("SignatureDoesNotMatch") as exc:
            wrong.get("secret.txt")
        assert exc.value.status == 403
        assert exc.value.message.startswith("The request signature we calculated does not match")

    @pytest.mark.parametrize("signing", SIGNING)
    def test_unknown_access_key(self, obj, signing):
        with raises("InvalidAccessKeyId") as exc:
            obj.signed(signing).with_credentials(Credentials("LTAI-nobody", "secret")).get("secret.txt")
        assert exc.value.status == 403

    @pytest.mark.parametrize("signing", SIGNING)
    def test_header_changed_after_signing(self, target, oss2_bucket, signing):
        # oss2 lets a session alter a request after signing; alibabacloud-oss-v2 has no such hook.
        oss2_bucket.put("secret.txt", b"classified")
        auth = oss2.Auth(*_keys(target)) if signing == "v1" else oss2.AuthV4(*_keys(target))
        tampered = oss2.Bucket(
            auth, target.endpoint, oss2_bucket.name, region=target.region, session=TamperingSession()
        )
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
            tampered.put_object("secret.txt", b"overwritten")
        assert oss2_bucket.get("secret.txt").body == b"classified"

    def test_v1_request_from_a_skewed_clock(self, oss2_bucket, monkeypatch):
        # oss2 takes the V1 Date from oss2.utils.http_date, which the test can turn back an hour.
        stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
        monkeypatch.setattr(oss2.utils, "http_date", lambda *_: stale)
        with raises("RequestTimeTooSkewed") as exc:
            oss2_bucket.get("anything")
        assert exc.value.status == 403


class TestPresignedUrls:
    """Presigned URLs work for V1 and V4, and stop working when they expire or are altered."""

    @pytest.mark.parametrize("signing", SIGNING)
    def test_get_and_put_by_url(self, obj, signing):
        signed = obj.signed(signing)
        assert requests.get(signed.sign_url("GET", "secret.txt", 60), timeout=10).content == b"classified"
        put = requests.put(signed.sign_url("PUT", "by-url.txt", 60), data=b"uploaded", timeout=10)
        assert put.status_code == 200
        assert obj.get("by-url.txt").body == b"uploaded"

    @pytest.mark.parametrize("signing", SIGNING)
    def test_expired_url(self, obj, signing):
        answer = requests.get(obj.signed(signing).sign_url("GET", "secret.txt", -10), timeout=10)
        assert answer.status_code == 403
        assert b"<Code>AccessDenied</Code>" in answer.content

    def test_url_reused_for_another_key(self, obj):
        obj.put("other.txt", b"other")
        url = obj.sign_url("GET", "secret.txt", 60).replace("secret.txt", "other.txt")
        answer = requests.get(url, timeout=10)
        assert (answer.status_code, b"<Code>SignatureDoesNotMatch</Code>" in answer.content) == (403, True)

    def test_v4_url_whose_credential_has_no_region(self, target, oss2_bucket):
        # Only oss2 signs a V4 URL without a region; OSS's answer is in oss2's own tests/test_sign.py.
        no_region = oss2.Bucket(oss2.AuthV4(*_keys(target)), target.endpoint, oss2_bucket.name)
        answer = requests.put(no_region.sign_url("PUT", "v4.txt", 60), data=b"x", timeout=10)
        assert answer.status_code == 400
        assert b"<Code>InvalidArgument</Code>" in answer.content
        assert b"<Message>The signing region in credential is invalid.</Message>" in answer.content
        assert answer.headers["x-oss-ec"] == "0002-00000226"


class TestSts:
    """Temporary keys carry a security token that must match and must not have expired."""

    @pytest.mark.parametrize("signing", SIGNING)
    def test_sts_key_with_its_token(self, backend, obj, signing):
        cred = backend.keyring.issue_sts()
        sts = obj.signed(signing).with_credentials(Credentials(cred.access_key_id, cred.access_key_secret,
                                                               cred.security_token))  # fmt: skip
        assert sts.get("secret.txt").body == b"classified"

    def test_sts_key_with_a_wrong_token(self, backend, obj):
        cred = backend.keyring.issue_sts()
        with raises("InvalidSecurityToken") as exc:
            obj.with_credentials(Credentials(cred.access_key_id, cred.access_key_secret, "forged")).get("secret.txt")
        assert exc.value.status == 403

    def test_expired_sts_key(self, backend, obj):
        cred = backend.keyring.issue_sts(ttl_seconds=-1)
        expired = obj.with_credentials(Credentials(cred.access_key_id, cred.access_key_secret, cred.security_token))
        with raises("SecurityTokenExpired"):
            expired.get("secret.txt")

    def test_sts_presigned_url(self, backend, obj):
        cred = backend.keyring.issue_sts()
        sts = obj.with_credentials(Credentials(cred.access_key_id, cred.access_key_secret, cred.security_token))
        assert requests.get(sts.sign_url("GET", "secret.txt", 60), timeout=10).content == b"classified"


class TestAnonymousAccess:
    """Unsigned requests are allowed only where the ACL makes data public."""

    def test_private_object_is_denied(self, target, obj):
        answer = requests.get(public_url(target, obj.name, "secret.txt"), timeout=10)
        assert answer.status_code == 403
        assert b"<Code>AccessDenied</Code>" in answer.content

    def test_public_read_bucket_serves_reads_not_writes(self, target, make_bucket):
        public = make_bucket(acl="public-read")
        public.put("open.txt", b"hi")
        assert requests.get(public_url(target, public.name, "open.txt"), timeout=10).content == b"hi"
        put = requests.put(public_url(target, public.name, "w.txt"), data=b"x", timeout=10)
        assert put.status_code == 403

    def test_public_read_write_bucket_accepts_anonymous_writes(self, target, make_bucket):
        public = make_bucket(acl="public-read-write")
        put = requests.put(public_url(target, public.name, "w.txt"), data=b"x", timeout=10)
        assert put.status_code == 200
        assert public.get("w.txt").body == b"x"

    def test_object_acl_overrides_bucket_acl(self, target, obj):
        obj.set_object_acl("secret.txt", "public-read")
        assert requests.get(public_url(target, obj.name, "secret.txt"), timeout=10).status_code == 200

    def test_anonymous_service_listing_is_denied(self, target):
        assert requests.get(target.endpoint + "/", timeout=10).status_code == 403


class TestAnonymousReachesOnlyWhatIsPublic:
    """Every object a request reads is authorised, not just the one in its URL: a copy's source, a
    watermark image (also one a bucket style names), and the target IMG saves to."""

    @pytest.fixture(name="public_canvas")
    def _public_canvas(self, make_bucket):
        """A public-read bucket with a photo, a logo anyone may read and a logo marked private."""
        public = make_bucket(acl="public-read")
        public.put("photo.jpg", make_image((200, 100)))
        public.put("logo.png", make_image((40, 20), "PNG"))
        public.put("secret-logo.png", make_image((40, 20), "PNG"))
        public.set_object_acl("secret-logo.png", "private")
        return public

    def test_a_copy_cannot_read_a_private_source(self, target, make_bucket, obj):
        drop = make_bucket(acl="public-read-write")
        copy = {"x-oss-copy-source": f"/{obj.name}/secret.txt"}
        answer = requests.put(public_url(target, drop.name, "stolen.txt"), headers=copy, timeout=10)
        assert answer.status_code == 403
        assert not drop.exists("stolen.txt")

    def test_a_copy_of_a_public_source_is_allowed(self, target, make_bucket, public_canvas):
        drop = make_bucket(acl="public-read-write")
        copy = {"x-oss-copy-source": f"/{public_canvas.name}/logo.png"}
        assert requests.put(public_url(target, drop.name, "copied.png"), headers=copy, timeout=10).ok
        assert drop.get("copied.png").body == public_canvas.get("logo.png").body

    @pytest.mark.parametrize(("logo", "status"), [("logo.png", 200), ("secret-logo.png", 403)])
    def test_a_watermark_image_is_read_only_if_the_caller_may(self, target, public_canvas, logo, status):
        process = {"x-oss-process": "image/watermark,image_" + b64url(logo)}
        url = public_url(target, public_canvas.name, "photo.jpg")
        assert requests.get(url, params=process, timeout=10).status_code == status

    def test_a_style_cannot_smuggle_a_private_watermark(self, target, public_canvas):
        public_canvas.put_style("stamped", "image/watermark,image_" + b64url("secret-logo.png"))
        url = public_url(target, public_canvas.name, "photo.jpg")
        assert requests.get(url, params={"x-oss-process": "style/stamped"}, timeout=10).status_code == 403

    def test_saveas_is_never_anonymous(self, target, make_bucket):
        open_bucket = make_bucket(acl="public-read-write")
        open_bucket.put("photo.jpg", make_image((200, 100)))
        body = "x-oss-process=image/resize,w_50|sys/saveas,o_" + b64url("p.jpg")
        answer = requests.post(public_url(target, open_bucket.name, "photo.jpg") + "?x-oss-process", data=body,
                               timeout=10)  # fmt: skip
        assert answer.status_code == 403
        assert not open_bucket.exists("p.jpg")


def public_url(target, bucket, key=""):
    """Path style on an IP endpoint (the emulator), virtual-hosted otherwise (OSS), as the SDKs do."""
    parts = urlsplit(target.endpoint)
    if parts.hostname == "localhost" or parts.hostname.replace(".", "").isdigit():
        return f"{target.endpoint}/{bucket}/{key}"
    return f"{parts.scheme}://{bucket}.{parts.netloc}/{key}"


def _keys(target) -> tuple[str, str]:
    return target.credentials.access_key_id, target.credentials.access_key_secret
