"""Signatures (V1, V4, presigned) through both SDKs, STS tokens, clock skew, and anonymous access
against ACLs (for every object a request reaches)."""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import time
from urllib.parse import urlsplit

import oss2
import pytest
import requests

from ossimg.img.chain import b64url

from ..conftest import AK, REGION, SK, make_image
from .clients import Credentials, raises
from .raw_http import Raw, presign_v4, send, sign_v1, sign_v4

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


@pytest.fixture(name="raw_obj")
def _raw_obj(oss2_bucket):
    """``obj`` for requests signed by hand: one SDK is enough to set it up and look at it."""
    oss2_bucket.put("secret.txt", b"classified")
    return oss2_bucket


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


class TestV4ScopeIsChecked:
    """The V4 scope names the bucket's region and the product ``oss``; anything else is refused with
    OSS's code (help.aliyun.com EC pages 0002-00000224/226/227/228)."""

    @pytest.fixture(name="beijing")
    def _beijing(self, obj):
        """The same bucket, signed with V4 for cn-beijing (the bucket is in cn-hangzhou)."""
        return obj.signed("v4").bucket(obj.name, region="cn-beijing")

    def test_a_header_signed_for_another_region(self, beijing):
        with raises("InvalidArgument") as exc:
            beijing.get("secret.txt")
        assert (exc.value.status, exc.value.ec) == (400, "0002-00000228")
        assert exc.value.message == "The signing region in credential is invalid."

    def test_a_url_signed_for_another_region(self, beijing):
        answer = requests.get(beijing.sign_url("GET", "secret.txt", 60), timeout=10)
        assert (answer.status_code, answer.headers["x-oss-ec"]) == (400, "0002-00000226")

    @pytest.mark.emulator_only("signed by hand, path style")
    @pytest.mark.parametrize(("presigned", "ec"), [(False, "0002-00000227"), (True, "0002-00000224")])
    def test_signed_for_another_product(self, endpoint, raw_obj, presigned, ec):
        raw = Raw("GET", raw_obj.name, "secret.txt")
        if presigned:
            raw = presign_v4(raw, AK, SK, REGION, expires="60", product="s3")
        else:
            raw = sign_v4(raw, AK, SK, REGION, product="s3")
        answer = send(endpoint, raw)
        assert (answer.status_code, answer.headers["x-oss-ec"]) == (400, ec)


@pytest.mark.emulator_only("signed by hand, path style")
class TestV4PayloadIsChecked:
    """A V4 request may sign its body's SHA-256 (``x-oss-content-sha256``) instead of UNSIGNED-PAYLOAD;
    then a body that does not match is refused, and nothing of it is stored."""

    GOOD = hashlib.sha256(b"GOOD").hexdigest()

    def put(self, endpoint, bucket, key, body, payload, query=()):
        raw = sign_v4(Raw("PUT", bucket.name, key, list(query), body=body), AK, SK, REGION, payload=payload)
        return send(endpoint, raw)

    def test_the_body_that_was_signed_is_stored(self, endpoint, oss2_bucket):
        assert self.put(endpoint, oss2_bucket, "k", b"GOOD", self.GOOD).status_code == 200
        assert oss2_bucket.get("k").body == b"GOOD"

    def test_a_put_signed_for_good_does_not_store_evil(self, endpoint, oss2_bucket):
        answer = self.put(endpoint, oss2_bucket, "k", b"EVIL!", self.GOOD)
        assert (answer.status_code, answer.headers["x-oss-ec"]) == (400, "0002-00000214")
        assert b"<Code>InvalidArgument</Code>" in answer.content
        assert not oss2_bucket.exists("k")

    def test_a_part_signed_for_other_bytes_is_not_recorded(self, endpoint, oss2_bucket):
        upload = oss2_bucket.init_upload("mp")
        answer = self.put(endpoint, oss2_bucket, "mp", b"EVIL!", self.GOOD, [("partNumber", "1"), ("uploadId", upload)])
        assert answer.status_code == 400
        assert oss2_bucket.list_parts("mp", upload) == []

    def test_a_batch_delete_whose_document_was_swapped(self, endpoint, oss2_bucket):
        oss2_bucket.put("keep", b"x")
        signed_for = hashlib.sha256(b"<Delete><Object><Key>other</Key></Object></Delete>").hexdigest()
        body = b"<Delete><Object><Key>keep</Key></Object></Delete>"
        raw = sign_v4(
            Raw("POST", oss2_bucket.name, "", [("delete", "")], body=body), AK, SK, REGION, payload=signed_for
        )
        assert send(endpoint, raw).status_code == 400
        assert oss2_bucket.exists("keep")

    @pytest.mark.parametrize("payload", ["abc", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", GOOD[:-1] + "g"])
    def test_a_payload_hash_that_is_no_hash(self, endpoint, oss2_bucket, payload):
        answer = self.put(endpoint, oss2_bucket, "k", b"GOOD", payload)
        assert (answer.status_code, answer.headers["x-oss-ec"]) == (400, "0002-00000214")
        oss2_bucket.put("k", b"GOOD")
        raw = sign_v4(Raw("GET", oss2_bucket.name, "k"), AK, SK, REGION, payload=payload)  # a body never read
        assert send(endpoint, raw).headers.get("x-oss-ec") == "0002-00000214"


@pytest.mark.emulator_only("signed by hand, path style")
class TestPresignedValidity:
    """A V4 URL is valid from ``x-oss-date`` (less 15 minutes for clocks) for ``x-oss-expires`` seconds,
    1 to 604,800 (help.aliyun.com 0002-00000232, 0002-00000235, 0002-00000236)."""

    def url(self, endpoint, raw_obj, expires, signed_at=None):
        raw = presign_v4(Raw("GET", raw_obj.name, "secret.txt"), AK, SK, REGION, expires=expires, when=signed_at)
        return send(endpoint, raw)

    @pytest.mark.parametrize(("expires", "offset"), [
        pytest.param("604800", 0, id="the-longest-validity"),
        pytest.param("60", 600, id="signed-ten-minutes-ahead"),  # within the 15 minutes allowed for clocks
        pytest.param("86400", -3600, id="signed-an-hour-ago-for-a-day"),
    ])  # fmt: skip
    def test_valid(self, endpoint, raw_obj, expires, offset):
        assert self.url(endpoint, raw_obj, expires, _utc(offset)).content == b"classified"

    @pytest.mark.parametrize(("expires", "offset", "ec"), [
        pytest.param(str(10 * 365 * 86400), 0, "0002-00000232", id="ten-years"),
        pytest.param("604801", 0, "0002-00000232", id="a-second-past-seven-days"),
        pytest.param("0", 0, "0002-00000232", id="zero"),
        pytest.param("\u00b2", 0, "0002-00000232", id="not-a-number"),
        pytest.param("60", 3600, "0002-00000235", id="signed-an-hour-ahead"),
        pytest.param("3600", -2 * 86400, "0002-00000236", id="expired"),
    ])  # fmt: skip
    def test_refused(self, endpoint, raw_obj, expires, offset, ec):
        answer = self.url(endpoint, raw_obj, expires, _utc(offset))
        assert (answer.status_code, answer.headers["x-oss-ec"]) == (403, ec)
        assert b"<Code>AccessDenied</Code>" in answer.content


@pytest.mark.emulator_only("signed by hand, path style")
class TestDates:
    """V1 dates are RFC 1123 in GMT, as both SDKs send them; V4's are YYYYMMDDTHHMMSSZ."""

    @pytest.mark.parametrize("date", [
        pytest.param(time.strftime("%a, %d %b %Y %H:%M:%S", time.gmtime()), id="no-time-zone"),
        pytest.param(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), id="iso-8601"),
        pytest.param("yesterday", id="words"),
        pytest.param("", id="empty"),
    ])  # fmt: skip
    def test_a_v1_date_oss_cannot_read(self, endpoint, raw_obj, date):
        answer = send(endpoint, sign_v1(Raw("GET", raw_obj.name, "secret.txt"), AK, SK, date=date))
        assert (answer.status_code, answer.headers.get("x-oss-ec")) == (403, "0002-00000503")
        assert b"<Message>OSS authentication requires a valid Date.</Message>" in answer.content

    @pytest.mark.parametrize("stamp", ["2024111T1Z", "20241301T000000Z", "20240101T000000"])
    def test_a_v4_date_that_is_not_one(self, endpoint, raw_obj, stamp):
        raw = sign_v4(Raw("GET", raw_obj.name, "secret.txt"), AK, SK, REGION)
        raw.headers["x-oss-date"] = stamp
        answer = send(endpoint, raw)
        assert (answer.status_code, b"<Code>AccessDenied</Code>" in answer.content) == (403, True)


def _utc(offset_seconds: int) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
