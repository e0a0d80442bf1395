"""The OpenAI Batch API half of `FakeChatServer`: file uploads and batches.

`POST /v1/files` (multipart, `purpose=batch`) and `POST /v1/batches`, as
`genreclf.augment`'s batch mode calls them; the server's request handler
routes here. Split out of `fake_server.py` to keep each module to one job.
"""

import email.parser
import email.policy
import hashlib
import json
import time


def upload_file(server, content_type, raw):
    """Stores a multipart upload (`POST /v1/files`) in `server.files`; returns the file object."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    data, name = b"", "upload"
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            data = part.get_payload(decode=True)
            name = part.get_filename() or name
    with server._lock:
        file_id = f"file-{len(server.files) + 1}"
        server.files[file_id] = data
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(data),
        "created_at": int(time.time()),
        "filename": name,
        "purpose": "batch",
        "status": "processed",
    }


def create_batch(server, body, completion):
    """Answers every line of the input file now; reports it done after polling.

    Args:
        server: the `FakeChatServer` (its files, batches, behaviours and log).
        body: the `POST /v1/batches` request.
        completion: `(request, digest, behaviour, server) -> reply body`, the
            server's own chat-completions answer, so a batch line is answered
            exactly as the same request sent alone would be.

    Returns:
        The batch object, `in_progress` until it has been polled.
    """
    lines = [json.loads(l) for l in server.files[body["input_file_id"]].splitlines() if l.strip()]
    out = []
    for line in lines:
        req = line["body"]
        digest = hashlib.sha256(json.dumps(req, sort_keys=True).encode("utf-8")).hexdigest()
        behaviour, _ = server._next_behaviour()
        server._record(
            hash=digest,
            behaviour=behaviour,
            status=200,
            time=time.time(),
            model=req.get("model"),
            authorization=None,
            batch=True,
        )
        out.append(
            json.dumps(
                {
                    "id": f"batch_req_{digest[:12]}",
                    "custom_id": line["custom_id"],
                    "response": {
                        "status_code": 200,
                        "request_id": f"req_{digest[:20]}",
                        "body": completion(req, digest, behaviour, server),
                    },
                    "error": None,
                }
            )
        )
    with server._lock:
        output_id = f"file-{len(server.files) + 1}"
        server.files[output_id] = ("\n".join(out) + "\n").encode("utf-8")
        batch_id = f"batch_{len(server.batches) + 1}"
        server.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": "24h",
            "status": "in_progress",
            "created_at": int(time.time()),
            "output_file_id": output_id,
            "error_file_id": None,
            "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
            "metadata": body.get("metadata"),
            "_polls": 0,
        }
    return {k: v for k, v in server.batches[batch_id].items() if not k.startswith("_")}
