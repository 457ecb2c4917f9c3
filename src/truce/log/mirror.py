"""A member's verified replica of the log: ``truce mirror``.

A member keeps a full copy of the log, and of the bodies it may read, so that it keeps
its evidence if the secretariat's server disappears. The mirror is a directory holding
a normal truce database (``truce.db``, so ``TRUCE_READ_ONLY=1 truce serve`` serves the
same read API from it) and ``mirror.json``: the server, the origin, the trusted
checkpoint key, the member whose bodies are kept, and the last verified checkpoint.

Nothing the server says is stored before it is verified. A run:

1. on the first run only, fetches entry 0 (the ``mechanism.genesis`` act) and its body,
   the scenario (from the server, or from a local file whose canonical digest must equal
   the genesis ``body_digest``), and checks the genesis signature against the
   secretariat's root key in that scenario; the scenario gives the origin and the
   checkpoint key (``log_key`` pins another);
2. fetches the newest checkpoint and verifies the log's signature on it; a checkpoint
   smaller than the last verified one (a rollback) or of the same size with another
   root (a split view) is refused;
3. fetches the new entries in pages, recomputes the root over the local and the new
   entries from the local tree's frontier, and checks it equals the checkpoint's root;
   checks the server's RFC 6962 consistency proof from the last verified checkpoint;
   checks every new entry's signer against the key registry the log itself builds
   (:class:`truce.verify.registry.KeyRegistry`, the registry admission and the offline
   verifier use, with the same rules: registered to the author, not revoked, a role that
   may sign the kind, ``member.key`` acts as admission accepts them) and its signature;
4. fetches the bodies of the new entries addressed to the member (403: skipped) and
   checks each against its digest;
5. appends everything, with projections, bodies, the checkpoint and its verified
   cosignatures, in one write transaction; then rewrites ``mirror.json``.

Any failure raises before step 5, so a refused run leaves the mirror exactly as it was.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from truce.accounts import service as accounts
from truce.accounts.service import Identity
from truce.errors import (
    ConfigurationError,
    InputError,
    ProofError,
    RemoteError,
    TruceError,
)
from truce.ledger import jcs, merkle
from truce.ledger.checkpoint import (
    Checkpoint,
    open_checkpoint,
    verify_cosignature,
)
from truce.ledger.envelope import Envelope, audience_includes
from truce.ledger.keys import PublicKey
from truce.ledger.note import Note
from truce.log import checkpoints, projections
from truce.log.admission import GENESIS
from truce.log.mirror_local import (
    CONFIG_FILE,
    DATABASE_FILE,
    Local,
    MirrorConfig,
    load_config,
    open_database,
    read_local,
    remove_new_database,
    save_config,
    stored_bodies,
)
from truce.log.remote import Remote
from truce.log.store import LogStore
from truce.scenario.rules import Scenario
from truce.storage.db import Database
from truce.storage.models import Account, ApiToken, Cosignature, DelegateKey
from truce.storage.models import Checkpoint as CheckpointRow
from truce.verify.genesis import read_genesis
from truce.verify.registry import MEMBER_KEY, KeyRegistry

PAGE = 1000
#: Kinds whose bodies every mirror must hold: the projections cannot do without them.
REQUIRED_BODIES = frozenset({GENESIS, "member.key"})

Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- sync


@dataclass
class SyncResult:
    """What one run did."""

    added: int = 0
    bodies_stored: int = 0
    bodies_skipped: int = 0
    cosignatures: int = 0
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    first_run: bool = False

    def summary(self) -> str:
        """One line for the CLI."""
        root = base64.b64encode(self.root).decode("ascii")
        return (
            f"{'created mirror: ' if self.first_run else ''}added {self.added} entries, "
            f"stored {self.bodies_stored} bodies, skipped {self.bodies_skipped} "
            f"(outside the audience); size {self.size} root {root}"
        )


def _parse_leaf(leaf: bytes, index: int) -> Envelope:
    try:
        envelope = Envelope.from_dict(jcs.loads(leaf))
    except InputError as exc:
        raise ProofError(f"refused: entry {index} is not a signed act: {exc.message}") from exc
    if envelope.leaf_bytes() != leaf:
        raise ProofError(f"refused: entry {index} is not in RFC 8785 canonical form")
    return envelope


def _check_body(digest: str, content: bytes, what: str) -> Any:
    if jcs.digest_bytes(content) != digest:
        raise ProofError(f"refused: the body of {what} does not match its digest {digest}")
    try:
        return jcs.loads(content)
    except InputError as exc:
        raise ProofError(f"refused: the body of {what} is not JSON: {exc.message}") from exc


def _genesis(
    remote: Remote, scenario: Scenario | None, log_key: str | None, server: str
) -> tuple[MirrorConfig, bytes, bytes]:
    """Check entry 0; return the new mirror's configuration, the leaf and the scenario bytes."""
    [leaf] = remote.entries(0, 0)[:1]
    envelope = _parse_leaf(leaf, 0)
    if envelope.kind != GENESIS:
        raise ProofError(f"refused: entry 0 is a {envelope.kind} act, not {GENESIS}")
    if scenario is not None:
        canonical = jcs.canonicalize(scenario.model_dump(mode="json"))
        if jcs.digest_bytes(canonical) != envelope.body_digest:
            raise ProofError(
                f"refused: the scenario file's digest {jcs.digest_bytes(canonical)} is not "
                f"the genesis body_digest {envelope.body_digest}: it is not this log's scenario"
            )
    else:
        if remote.token is None:
            raise ConfigurationError(
                "the first run needs the scenario: give --token-file or --scenario"
            )
        fetched = remote.body(envelope.body_digest)
        if fetched is None:
            raise RemoteError("the server refused the genesis body to this token")
        data = _check_body(envelope.body_digest, fetched, "the genesis act")
        try:
            scenario = Scenario.model_validate(data)
        except ValueError as exc:
            raise ProofError("refused: the genesis body is not a valid scenario") from exc
        canonical = fetched
    secretariat = scenario.secretariat
    root_key = PublicKey.from_text(secretariat.root_key)
    if (
        envelope.mechanism != scenario.mechanism.id
        or (envelope.member, envelope.delegate) != (secretariat.code, "root")
        or envelope.key_id != root_key.key_id
        or not envelope.verify_signature(root_key)
    ):
        raise ProofError(
            "refused: entry 0 is not signed by the secretariat's root key of the scenario"
        )
    if log_key is not None:
        _public_key(log_key)
    config = MirrorConfig(
        server=server,
        mechanism=scenario.mechanism.id,
        origin=scenario.mechanism.origin,
        checkpoint_key=log_key or scenario.mechanism.checkpoint_key,
    )
    return config, leaf, canonical


def _public_key(text: str) -> PublicKey:
    try:
        return PublicKey.parse(text)
    except InputError as exc:
        raise ConfigurationError(f"--log-key is not an Ed25519 public key: {exc.message}") from exc


def sync(
    client: httpx.Client,
    directory: Path,
    *,
    server: str,
    token: str | None = None,
    identity: Identity | None = None,
    scenario: Scenario | None = None,
    log_key: str | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncResult:
    """Bring the mirror in ``directory`` up to the server's newest checkpoint, verified."""
    remote = Remote(client, token)
    config = load_config(directory)
    genesis_leaf = genesis_body = None
    db: Database | None = None
    if config is None:
        if (directory / DATABASE_FILE).exists():
            raise ConfigurationError(
                f"{directory} holds a database but no {CONFIG_FILE}: use an empty directory"
            )
        config, genesis_leaf, genesis_body = _genesis(remote, scenario, log_key, server)
        local = Local()
    else:
        if log_key is not None:
            _public_key(log_key)
            config.checkpoint_key = log_key
        config.server = server
        db = open_database(directory, create=False)
        local = read_local(db)
    try:
        return _sync(
            remote,
            directory,
            config,
            db,
            local,
            (genesis_leaf, genesis_body),
            identity,
            progress,
            now,
        )
    finally:
        if db is not None:
            db.dispose()


def _sync(
    remote: Remote,
    directory: Path,
    config: MirrorConfig,
    db: Database | None,
    local: Local,
    genesis: tuple[bytes | None, bytes | None],
    identity: Identity | None,
    progress: Progress | None,
    now: Callable[[], datetime],
) -> SyncResult:
    result = SyncResult(first_run=db is None)
    genesis_leaf, genesis_body = genesis
    token = remote.token
    if identity is not None:
        if config.member is not None and config.member != identity.member:
            raise ConfigurationError(
                f"this mirror keeps the bodies of {config.member}, not {identity.member}"
            )
        config.member, config.delegate = identity.member, identity.delegate
    verifier = config.verifier()

    # The last verified checkpoint: the newest one stored in the database, which the
    # run that verified it committed together with its entries.
    last_size, last_root = 0, merkle.EMPTY_ROOT
    if local.checkpoint_size is not None:
        last_size = local.checkpoint_size
        if last_size != local.size:
            raise ConfigurationError(
                f"the mirror's database has {local.size} entries but its last verified "
                f"checkpoint has {last_size}: it was changed outside truce mirror"
            )
        last_root = local.root

    # -- the checkpoint
    served = remote.checkpoint()
    try:
        checkpoint, note = open_checkpoint(served, verifier, origin=config.origin)
    except TruceError as exc:
        raise ProofError(f"refused: the server's checkpoint: {exc.message}") from exc
    if checkpoint.size < last_size:
        raise ProofError(
            f"refused: the server's checkpoint has {checkpoint.size} entries, fewer than the "
            f"{last_size} already verified: the log was rolled back"
        )
    if checkpoint.size == last_size and checkpoint.root != last_root:
        raise ProofError(
            f"refused: the server's checkpoint of {checkpoint.size} entries has another root "
            "than the one already verified at that size: a split view of the log"
        )

    # -- the entries, checked against the checkpoint before anything is stored
    leaves: list[bytes] = []
    frontier = local.frontier.copy()
    total = checkpoint.size - local.size
    while frontier.size < checkpoint.size:
        start = frontier.size
        page = remote.entries(start, min(start + PAGE, checkpoint.size) - 1)
        for leaf in page:
            frontier.append(merkle.hash_leaf(leaf))
        leaves.extend(page)
        if progress is not None:
            progress("entries", len(leaves), total)
    if frontier.root() != checkpoint.root:
        raise ProofError(
            f"refused: the entries the server returned do not hash to the root of its "
            f"checkpoint of {checkpoint.size} entries"
        )
    if 0 < last_size < checkpoint.size:
        proof = remote.consistency(last_size, checkpoint.size)
        try:
            merkle.verify_consistency(last_size, checkpoint.size, last_root, checkpoint.root, proof)
        except ProofError as exc:
            raise ProofError(
                f"refused: the server's checkpoint of {checkpoint.size} entries is not "
                f"consistent with the verified one of {last_size}: {exc.message}"
            ) from exc

    # -- the envelopes, their signatures and the bodies
    envelopes = [_parse_leaf(leaf, local.size + n) for n, leaf in enumerate(leaves)]
    if genesis_leaf is not None and leaves and leaves[0] != genesis_leaf:
        raise ProofError("refused: the server returned another entry 0 on a second request")
    bodies, wanted = _fetch_bodies(remote, db, config, envelopes, local, genesis_body, progress)
    result.bodies_stored = len(bodies)
    result.bodies_skipped = wanted - len(bodies)
    acts = _check_acts(envelopes, leaves, local, bodies)

    # -- one write transaction
    if db is None:
        directory.mkdir(parents=True, exist_ok=True)
        db = open_database(directory, create=True)
    try:
        with db.write() as connection:
            store = LogStore(connection)
            head = store.head(lock=True)
            if head.size != local.size:
                raise ConfigurationError("another process wrote to the mirror during this run")
            context = projections.ProjectionContext(connection)
            for act in acts:
                projections.apply(context, act)
            context.flush()
            store.append(
                list(zip(leaves, (act.leaf_hash for act in acts), strict=True)),
                list(bodies.items()),
            )
            after = store.head()
            if (after.size, after.root) != (checkpoint.size, checkpoint.root):
                raise ProofError("refused: the stored tree does not match the checkpoint")
            result.cosignatures = _store_checkpoint(connection, config, checkpoint, note, now())
            if token is not None and config.member is not None:
                _add_account(connection, token, config.member, config.delegate or "mirror")
    except BaseException:
        if result.first_run:
            db.dispose()
            remove_new_database(directory)
        raise
    finally:
        if result.first_run:
            db.dispose()
    config.checkpoint = Note(
        note.text, tuple(sig for sig in note.signatures if verifier.matches(sig))
    ).serialize()
    save_config(directory, config)
    result.added = len(leaves)
    result.size, result.root = checkpoint.size, checkpoint.root
    return result


def _fetch_bodies(
    remote: Remote,
    db: Database | None,
    config: MirrorConfig,
    envelopes: Sequence[Envelope],
    local: Local,
    genesis_body: bytes | None,
    progress: Progress | None,
) -> tuple[dict[str, bytes], int]:
    """The bodies of the new entries the member may read; and how many were wanted."""
    bodies: dict[str, bytes] = {}
    if genesis_body is not None and envelopes:
        bodies[envelopes[0].body_digest] = genesis_body
    kinds = _member_kinds(genesis_body, local)
    member = config.member
    wanted: dict[str, None] = {}
    for envelope in envelopes:
        digest = envelope.body_digest
        if digest in bodies or digest in wanted:
            continue
        if envelope.kind in REQUIRED_BODIES or (
            member is not None
            and audience_includes(
                envelope.audience, envelope.member, member, kinds.get(member) == "mediator"
            )
        ):
            wanted[digest] = None
    held = stored_bodies(db, list(wanted))
    wanted = {digest: None for digest in wanted if digest not in held}
    if wanted and remote.token is None:
        raise ConfigurationError(
            "the log holds member.key acts whose bodies every mirror needs: give --token-file"
        )
    for done, digest in enumerate(wanted, start=1):
        content = remote.body(digest)
        if content is not None:
            _check_body(digest, content, f"an act ({digest})")
            bodies[digest] = content
        if progress is not None:
            progress("bodies", done, len(wanted))
    return bodies, len(wanted) + (1 if genesis_body is not None and envelopes else 0)


def _member_kinds(genesis_body: bytes | None, local: Local) -> dict[str, str]:
    """Member code to kind, from the scenario (in the genesis body or the database)."""
    if genesis_body is not None:
        data = json.loads(genesis_body)
        return {m["code"]: m["kind"] for m in data["members"]}
    return local.kinds


def _check_acts(
    envelopes: Sequence[Envelope],
    leaves: Sequence[bytes],
    local: Local,
    bodies: dict[str, bytes],
) -> list[projections.LoggedAct]:
    """Check each new entry's signer against the key registry as the log built it so far
    (:class:`~truce.verify.registry.KeyRegistry`), and its signature."""
    keys = local.keys
    acts: list[projections.LoggedAct] = []
    for offset, (envelope, leaf) in enumerate(zip(envelopes, leaves, strict=True)):
        index = local.size + offset
        content = bodies.get(envelope.body_digest)
        body: Any = None if content is None else json.loads(content)
        if body is None and envelope.kind in REQUIRED_BODIES:
            raise ProofError(
                f"refused: the body of entry {index} ({envelope.kind}) is not available"
            )
        if index == 0:
            if envelope.kind != GENESIS:
                raise ProofError(f"refused: entry 0 is a {envelope.kind} act")
            try:
                keys = KeyRegistry.from_genesis(read_genesis(body))
            except TruceError as exc:
                raise ProofError(f"refused: entry 0: {exc.message}") from exc
        elif envelope.kind == GENESIS:
            raise ProofError(f"refused: entry {index} is a second genesis act")
        if keys is None:
            raise ConfigurationError("the mirror's database holds no key registry")
        try:
            key = keys.signer(envelope.key_id, envelope.member, envelope.delegate)
        except TruceError as exc:
            raise ProofError(f"refused: entry {index}: {exc.message}") from exc
        if not envelope.verify_signature(key.public_key):
            raise ProofError(
                f"refused: entry {index} is not validly signed by a key the log registered "
                f"to {envelope.member}/{envelope.delegate}"
            )
        try:
            keys.check_role(key, envelope.kind)
            if envelope.kind == MEMBER_KEY:
                keys.apply(index, envelope.member, envelope.audience == "all", body)
        except TruceError as exc:
            raise ProofError(f"refused: entry {index}: {exc.message}") from exc
        acts.append(projections.LoggedAct(index, merkle.hash_leaf(leaf), envelope, body))
    return acts


def _store_checkpoint(
    connection: Any, config: MirrorConfig, checkpoint: Checkpoint, note: Note, now: datetime
) -> int:
    """Store the checkpoint (log signature only) and its verifiable cosignatures."""
    verifier = config.verifier()
    exists = connection.execute(
        select(CheckpointRow.size).where(CheckpointRow.size == checkpoint.size)
    ).first()
    if exists is None:
        signed = Note(note.text, tuple(sig for sig in note.signatures if verifier.matches(sig)))
        connection.execute(
            insert(CheckpointRow).values(
                size=checkpoint.size, root=checkpoint.root, note=signed.serialize(), signed_at=now
            )
        )
    have = set(
        connection.execute(
            select(Cosignature.member).where(Cosignature.size == checkpoint.size)
        ).scalars()
    )
    added = 0
    for member, verifiers in checkpoints.witness_verifiers(connection).items():
        for signature in note.signatures:
            witness = next((v for v in verifiers if v.matches(signature)), None)
            if witness is None:
                continue
            try:
                timestamp = verify_cosignature(checkpoint, signature, witness)
            except ProofError as exc:
                raise ProofError(f"refused: the server's checkpoint: {exc.message}") from exc
            if member not in have:
                connection.execute(
                    insert(Cosignature).values(
                        size=checkpoint.size,
                        member=member,
                        key_id=witness.public_key.key_id,
                        timestamp=timestamp,
                        line=signature.line,
                    )
                )
                have.add(member)
                added += 1
    return added


def _add_account(connection: Any, token: str, member: str, delegate: str) -> None:
    """Let the mirror's read API accept the token its owner gave it for the server.

    The account's role is that of the delegate's newest key in the mirrored log, else
    ``observer``: it only chooses what the web application offers.
    """
    digest = accounts.token_hash(token)
    if connection.execute(select(ApiToken.token_hash).where(ApiToken.token_hash == digest)).first():
        return
    account_id = connection.execute(
        select(Account.id).where(Account.member == member, Account.delegate == delegate)
    ).scalar()
    if account_id is None:
        role = connection.execute(
            select(DelegateKey.role)
            .where(DelegateKey.member == member, DelegateKey.delegate == delegate)
            .order_by(DelegateKey.registered_idx.desc())
        ).scalar()
        account_id = connection.execute(
            insert(Account)
            .values(
                member=member,
                delegate=delegate,
                role=role or "observer",
                language="en",
                created_at=datetime.now(UTC),
            )
            .returning(Account.id)
        ).scalar_one()
    accounts.add_token_hash(connection, account_id, digest, "mirror")
