"""Site configuration and seed data of the private RT that ``tests/servers/rt.py`` runs.

The site config lives in the instance's own folder (``RT_SITE_CONFIG`` and
``RT_SITE_CONFIG_DIR`` point there), so Debian's ``/etc/request-tracker5`` snippets are
not read and never touched. Seeding runs RT's own Perl API once (queues, the ``Tags``
custom field, rights, agents, REST 2.0 tokens): one Perl start instead of one per object.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

RT_LIB = Path("/usr/share/request-tracker5/lib")

ROOT_PASSWORD = "root-test-password"
AGENT = "agent"
AGENT_EMAIL = "agent@example.test"
AGENT_NAME = "Alice Agent"
AGENT_PASSWORD = "agent-test-password"
SECOND_AGENT = "bob"
QUEUES = ("Support", "Billing", "Other", "Vendor")
TAGGED_QUEUES = ("Support", "Billing")
CUSTOM_LIFECYCLE_QUEUE = "Vendor"
"""Its lifecycle has a status no mapping knows: ``waiting-on-vendor``."""


def write_site_config(workdir: Path, timezone: str, port: int) -> dict[str, str]:
    """Write the instance's config (and its fake ``sendmail``); return the environment
    under which RT's tools and ``rt-server`` read exactly that config."""
    site_dir = workdir / "RT_SiteConfig.d"
    site_dir.mkdir(exist_ok=True)
    (workdir / "outgoing").mkdir(exist_ok=True)
    sendmail = workdir / "sendmail"
    sendmail.write_text('#!/bin/sh\ncat > "$(dirname "$0")/outgoing/$(date +%s%N)-$$.eml"\n', encoding="utf-8")
    sendmail.chmod(0o755)
    pw = workdir / "root.pw"
    pw.write_text(ROOT_PASSWORD, encoding="utf-8")
    pw.chmod(0o600)
    config = workdir / "RT_SiteConfig.pm"
    config.write_text(
        f"""# Written by tests/servers/rt.py for one test session.
Set($rtname, 'inbox-tui-test');
Set($Organization, 'example.test');
Set($CorrespondAddress, 'rt@example.test');
Set($CommentAddress, 'rt-comment@example.test');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '/rt');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{workdir / "rt.sqlite"}');
# bcrypt cost for passwords and tokens: the default (12) costs ~0.3 s CPU per request.
Set($BcryptCost, 4);
Set($MailCommand, 'sendmailpipe');
Set($SendmailPath, '{sendmail}');
Set($LogToSyslog, undef);
Set($LogToSTDERR, 'warning');
Set($Timezone, '{timezone}');
# Merged with RT's own lifecycles (hash options are merged, site values win).
Set(%Lifecycles,
    vendor => {{
        initial  => ['new'],
        active   => ['open', 'waiting-on-vendor'],
        inactive => ['resolved'],
        defaults => {{ on_create => 'new', approved => 'open', denied => 'resolved',
                      reminder_on_open => 'open', reminder_on_resolve => 'resolved' }},
        transitions => {{
            ''                  => ['new', 'open', 'resolved'],
            new                 => ['open', 'waiting-on-vendor', 'resolved'],
            open                => ['new', 'waiting-on-vendor', 'resolved'],
            'waiting-on-vendor' => ['new', 'open', 'resolved'],
            resolved            => ['new', 'open', 'waiting-on-vendor'],
        }},
        rights => {{ '* -> *' => 'ModifyTicket' }},
    }},
);
1;
""",
        encoding="utf-8",
    )
    return {
        **os.environ,
        "RT_SITE_CONFIG": str(config),
        "RT_SITE_CONFIG_DIR": str(site_dir),
        "PERL5LIB": str(RT_LIB),
    }


SEED_PERL = r"""
use strict; use warnings;
use RT; RT::LoadConfig(); RT::Init();
use JSON ();
my $cfg = JSON::decode_json(do { local $/; <STDIN> });
my $sys = RT->SystemUser;
sub ok { my ($what, $ok, $msg) = @_; die "$what: $msg\n" unless $ok; }

my %queue;
for my $name (@{ $cfg->{queues} }) {
    my $q = RT::Queue->new($sys);
    ok("queue $name", $q->Create(Name => $name, CorrespondAddress => lc($name) . '@example.test',
                                 CommentAddress => lc($name) . '-comment@example.test',
                                 Lifecycle => ($name eq $cfg->{custom_lifecycle_queue} ? 'vendor' : 'default')));
    $queue{$name} = $q;
}
my $cf = RT::CustomField->new($sys);
ok('Tags field', $cf->Create(Name => 'Tags', Type => 'Freeform', MaxValues => 0,
                             LookupType => 'RT::Queue-RT::Ticket', Description => 'Free-form tags'));
ok("Tags on $_", $cf->AddToObject($queue{$_})) for @{ $cfg->{tagged_queues} };

my $privileged = RT::Group->new($sys); $privileged->LoadSystemInternalGroup('Privileged');
ok("agent right $_", $privileged->PrincipalObj->GrantRight(Right => $_, Object => RT->System))
    for qw(SeeQueue ShowTicket ShowTicketComments ReplyToTicket CommentOnTicket ModifyTicket OwnTicket
           TakeTicket StealTicket ReassignTicket CreateTicket SeeCustomField ModifyCustomField
           ShowOutgoingEmail ManageAuthTokens);
my $everyone = RT::Group->new($sys); $everyone->LoadSystemInternalGroup('Everyone');
for my $q (values %queue) {
    ok("mail right $_", $everyone->PrincipalObj->GrantRight(Right => $_, Object => $q))
        for qw(CreateTicket ReplyToTicket CommentOnTicket);
}

my %user;
for my $u (@{ $cfg->{agents} }) {
    my $user = RT::User->new($sys);
    ok("user $u->{name}", $user->Create(Name => $u->{name}, EmailAddress => $u->{email},
                                        RealName => $u->{real_name}, Privileged => 1, Password => $u->{password}));
    $user{$u->{name}} = $user;
}
my $root = RT::User->new($sys); $root->Load('root');
$user{root} = $root;
my %out;
for my $name ('root', $cfg->{token_user}) {
    my ($id, $msg, $token) = RT::AuthToken->new(RT::CurrentUser->new($user{$name}))
        ->Create(Owner => $user{$name}->id, Description => 'inbox-tui tests');
    ok("token for $name", $id, $msg);
    $out{$name eq 'root' ? 'root_token' : 'agent_token'} = $token;
}
print JSON::encode_json(\%out), "\n";
"""


def seed(workdir: Path, env: dict[str, str]) -> dict[str, str]:
    config = {
        "queues": list(QUEUES),
        "tagged_queues": list(TAGGED_QUEUES),
        "custom_lifecycle_queue": CUSTOM_LIFECYCLE_QUEUE,
        "token_user": AGENT,
        "agents": [
            {"name": AGENT, "email": AGENT_EMAIL, "real_name": AGENT_NAME, "password": AGENT_PASSWORD},
            {"name": SECOND_AGENT, "email": "bob@example.test", "real_name": "Bob Builder", "password": "bob-pw"},
        ],
    }
    done = subprocess.run(
        ["perl", "-e", SEED_PERL], input=json.dumps(config), env=env, cwd=workdir, capture_output=True, text=True
    )
    (workdir / "seed.log").write_text(done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"seeding RT failed (rc {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
