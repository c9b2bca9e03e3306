"""Signatures (V1, V4, presigned), STS tokens, clock skew, and anonymous access against ACLs (for every
object a request reaches)."""

from __future__ import annotations

import email.utils
import time

import oss2
import pytest
import requests

from ossimg.img.chain import b64url

from ..conftest import AK, REGION, SK, make_image


class TamperingSession(oss2.Session):
    """Changes a header after oss2 has signed the request, as a man in the middle would."""

    def do_request(self, req, timeout):
        req.headers["x-oss-meta-note"] = "tampered"
        return super().do_request(req, timeout)


@pytest.fixture(name="obj")
def _obj(bucket):
    bucket.put_object("secret.txt", b"classified")
    return bucket


def signed_bucket(auth, endpoint, name, **kwargs):
    return oss2.Bucket(auth, endpoint, name, region=REGION, **kwargs)


class TestSignatures:
    """Each signing method is verified for real: right keys pass, anything else is refused."""

    @pytest.mark.parametrize("signer", [oss2.Auth(AK, SK), oss2.AuthV4(AK, SK)], ids=["v1", "v4"])
    def test_correct_signature(self, endpoint, obj, signer):
        assert signed_bucket(signer, endpoint, obj.bucket_name).get_object("secret.txt").read() == b"classified"

    @pytest.mark.parametrize("signer", [oss2.Auth(AK, "wrong"), oss2.AuthV4(AK, "wrong")], ids=["v1", "v4"])
    def test_wrong_secret(self, endpoint, obj, signer):
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as exc:
            signed_bucket(signer, endpoint, obj.bucket_name).get_object("secret.txt")
        assert exc.value.status == 403
        assert exc.value.message.startswith("The request signature we calculated does not match")

    @pytest.mark.parametrize("signer", [oss2.Auth("LTAI-nobody", SK), oss2.AuthV4("LTAI-nobody", SK)], ids=["v1", "v4"])
    def test_unknown_access_key(self, endpoint, obj, signer):
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            signed_bucket(signer, endpoint, obj.bucket_name).get_object("secret.txt")
        assert (exc.value.status, exc.value.code) == (403, "InvalidAccessKeyId")

    @pytest.mark.parametrize("signer", [oss2.Auth(AK, SK), oss2.AuthV4(AK, SK)], ids=["v1", "v4"])
    def test_header_changed_after_signing(self, endpoint, obj, signer):
        tampered = signed_bucket(signer, endpoint, obj.bucket_name, session=TamperingSession())
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
            tampered.put_object("secret.txt", b"overwritten")
        assert obj.get_object("secret.txt").read() == b"classified"

    def test_v1_request_from_a_skewed_clock(self, obj, monkeypatch):
        stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
        monkeypatch.setattr(oss2.utils, "http_date", lambda *_: stale)
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            obj.get_object("secret.txt")
        assert (exc.value.status, exc.value.code) == (403, "RequestTimeTooSkewed")


class TestPresignedUrls:
    """sign_url works for V1 and V4, and stops working when it expires or is altered."""

    @pytest.mark.parametrize("signer", [oss2.Auth(AK, SK), oss2.AuthV4(AK, SK)], ids=["v1", "v4"])
    def test_get_and_put_by_url(self, endpoint, obj, signer):
        bucket = signed_bucket(signer, endpoint, obj.bucket_name)
        assert requests.get(bucket.sign_url("GET", "secret.txt", 60), timeout=5).content == b"classified"
        put = requests.put(bucket.sign_url("PUT", "by-url.txt", 60), data=b"uploaded", timeout=5)
        assert put.status_code == 200
        assert obj.get_object("by-url.txt").read() == b"uploaded"

    @pytest.mark.parametrize("signer", [oss2.Auth(AK, SK), oss2.AuthV4(AK, SK)], ids=["v1", "v4"])
    def test_expired_url(self, endpoint, obj, signer):
        url = signed_bucket(signer, endpoint, obj.bucket_name).sign_url("GET", "secret.txt", -10)
        answer = requests.get(url, timeout=5)
        assert answer.status_code == 403
        assert b"<Code>AccessDenied</Code>" in answer.content

    def test_url_reused_for_another_key(self, obj):
        obj.put_object("other.txt", b"other")
        url = obj.sign_url("GET", "secret.txt", 60).replace("secret.txt", "other.txt")
        answer = requests.get(url, timeout=5)
        assert (answer.status_code, b"SignatureDoesNotMatch" in answer.content) == (403, True)


class TestSts:
    """Temporary keys carry a security token that must match and must not have expired."""

    @pytest.mark.parametrize("version", ["v1", "v4"])
    def test_sts_key_with_its_token(self, backend, endpoint, obj, version):
        cred = backend.keyring.issue_sts()
        signer = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, cred.security_token, auth_version=version)
        assert signed_bucket(signer, endpoint, obj.bucket_name).get_object("secret.txt").read() == b"classified"

    def test_sts_key_with_a_wrong_token(self, backend, endpoint, obj):
        cred = backend.keyring.issue_sts()
        auth = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, "forged-token")
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            oss2.Bucket(auth, endpoint, obj.bucket_name).get_object("secret.txt")
        assert (exc.value.status, exc.value.code) == (403, "InvalidSecurityToken")

    def test_expired_sts_key(self, backend, endpoint, obj):
        cred = backend.keyring.issue_sts(ttl_seconds=-1)
        auth = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, cred.security_token)
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            oss2.Bucket(auth, endpoint, obj.bucket_name).get_object("secret.txt")
        assert exc.value.code == "SecurityTokenExpired"

    def test_sts_presigned_url(self, backend, endpoint, obj):
        cred = backend.keyring.issue_sts()
        auth = oss2.StsAuth(cred.access_key_id, cred.access_key_secret, cred.security_token)
        url = oss2.Bucket(auth, endpoint, obj.bucket_name).sign_url("GET", "secret.txt", 60)
        assert requests.get(url, timeout=5).content == b"classified"


class TestAnonymousAccess:
    """Unsigned requests are allowed only where the ACL makes data public."""

    def url(self, endpoint, bucket, key=""):
        return f"{endpoint}/{bucket}/{key}"

    def test_private_object_is_denied(self, endpoint, obj):
        answer = requests.get(self.url(endpoint, obj.bucket_name, "secret.txt"), timeout=5)
        assert answer.status_code == 403
        assert b"<Code>AccessDenied</Code>" in answer.content

    def test_public_read_bucket_serves_reads_not_writes(self, endpoint, make_bucket):
        public = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ)
        public.put_object("open.txt", b"hi")
        assert requests.get(self.url(endpoint, public.bucket_name, "open.txt"), timeout=5).content == b"hi"
        put = requests.put(self.url(endpoint, public.bucket_name, "w.txt"), data=b"x", timeout=5)
        assert put.status_code == 403

    def test_public_read_write_bucket_accepts_anonymous_writes(self, endpoint, make_bucket):
        public = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
        put = requests.put(self.url(endpoint, public.bucket_name, "w.txt"), data=b"x", timeout=5)
        assert put.status_code == 200
        assert public.get_object("w.txt").read() == b"x"

    def test_object_acl_overrides_bucket_acl(self, endpoint, obj):
        obj.put_object_acl("secret.txt", oss2.OBJECT_ACL_PUBLIC_READ)
        assert requests.get(self.url(endpoint, obj.bucket_name, "secret.txt"), timeout=5).status_code == 200

    def test_anonymous_service_listing_is_denied(self, endpoint):
        assert requests.get(endpoint + "/", timeout=5).status_code == 403


class TestAnonymousReachesOnlyWhatIsPublic:
    """Every object a request reads is authorised, not just the one in its URL: a copy's source, a
    watermark image (also one a bucket style names), and the target IMG saves to."""

    @pytest.fixture(name="anonymous")
    def _anonymous(self, endpoint):
        return lambda bucket: oss2.Bucket(oss2.AnonymousAuth(), endpoint, bucket.bucket_name)

    @pytest.fixture(name="public_canvas")
    def _public_canvas(self, make_bucket):
        """A public-read bucket with a photo, a logo anyone may read and a logo marked private."""
        public = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ)
        public.put_object("photo.jpg", make_image((200, 100)))
        public.put_object("logo.png", make_image((40, 20), "PNG"))
        public.put_object("secret-logo.png", make_image((40, 20), "PNG"))
        public.put_object_acl("secret-logo.png", oss2.OBJECT_ACL_PRIVATE)
        return public

    def test_a_copy_cannot_read_a_private_source(self, anonymous, make_bucket, obj):
        drop = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
        with pytest.raises(oss2.exceptions.AccessDenied):
            anonymous(drop).copy_object(obj.bucket_name, "secret.txt", "stolen.txt")
        assert not drop.object_exists("stolen.txt")

    def test_a_copy_of_a_public_source_is_allowed(self, anonymous, make_bucket, public_canvas):
        drop = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
        anonymous(drop).copy_object(public_canvas.bucket_name, "logo.png", "copied.png")
        assert drop.get_object("copied.png").read() == public_canvas.get_object("logo.png").read()

    @pytest.mark.parametrize(("logo", "allowed"), [("logo.png", True), ("secret-logo.png", False)])
    def test_a_watermark_image_is_read_only_if_the_caller_may(self, anonymous, public_canvas, logo, allowed):
        process = "image/watermark,image_" + b64url(logo)
        if allowed:
            assert anonymous(public_canvas).get_object("photo.jpg", process=process).read()
        else:
            with pytest.raises(oss2.exceptions.AccessDenied):
                anonymous(public_canvas).get_object("photo.jpg", process=process)

    def test_a_style_cannot_smuggle_a_private_watermark(self, anonymous, public_canvas):
        public_canvas.put_bucket_style("stamped", "image/watermark,image_" + b64url("secret-logo.png"))
        with pytest.raises(oss2.exceptions.AccessDenied):
            anonymous(public_canvas).get_object("photo.jpg", process="style/stamped")

    def test_saveas_is_never_anonymous(self, anonymous, make_bucket):
        open_bucket = make_bucket(acl=oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
        open_bucket.put_object("photo.jpg", make_image((200, 100)))
        with pytest.raises(oss2.exceptions.AccessDenied):
            anonymous(open_bucket).process_object("photo.jpg", "image/resize,w_50|sys/saveas,o_" + b64url("p.jpg"))
        assert not open_bucket.object_exists("p.jpg")
