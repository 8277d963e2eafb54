// Package wasim is a fake WhatsApp server that speaks the real multi-device
// protocol, so that the real whatsmeow client can be tested and benchmarked
// on machines that cannot reach WhatsApp. It is test and benchmark
// infrastructure: nothing in `synapse serve` links it.
//
// One listener serves three things:
//
//   - the chat websocket (GET /ws/chat): whatsmeow's framing (the WA 06 03
//     header, 3-byte lengths), the Noise_XX_25519_AESGCM_SHA256 handshake
//     with the server's own certificate chain (a root whose public key is
//     RootPublicKey, an intermediate and a leaf signed with XEdDSA), and the
//     binary XML stanzas after it;
//   - the media host: downloads (GET /v/…, /m1/…) of media encrypted
//     exactly as WhatsApp encrypts it, so that whatsmeow's Download checks
//     both hashes and the MAC; uploads (POST /mms/<type>/<token>?auth=…
//     &token=…, and /newsletter/… for channel media), which check the
//     media_conn auth token and that the token is the body's SHA-256, and
//     answer {url, direct_path} as WhatsApp does; deletes (DELETE
//     /mms/<type>/<token>?d_md=…, what whatsmeow does after downloading a
//     history sync);
//   - the control API below.
//
// A client reaches it by routing every TLS dial to Addr (an http.Transport
// whose DialTLSContext returns a plain TCP connection to Addr, set as
// whatsmeow's pre-login, websocket and media HTTP client) and by setting
// whatsmeow.WACertPubKey to RootPublicKey before connecting.
//
// # What is simulated
//
// Accounts are simulated phones (Server.NewPhone), each with a phone number,
// a LID, a push name and a primary device whose identity key both signs
// linked devices (ADV) and is its Signal identity.
//
//   - Pairing by QR code: an unpaired connection gets pair-device with six
//     refs (whatsmeow shows the first 60 s, the others 20 s each) and is
//     closed after PairingTimeout, which ends whatsmeow's QR channel with a
//     timeout. Phone.ScanQR reads ref, noise key, identity key and ADV
//     secret from the QR string and sends pair-success with a device
//     identity signed by the phone and authenticated with the ADV secret;
//     after the device's signature the server sends stream error 515 and the
//     device logs in.
//   - Pairing by code (whatsmeow PairPhone): companion_hello is answered
//     with a pairing ref; Phone.ConfirmPairCode unwraps the companion's
//     ephemeral key with the code, sends the primary_hello notification,
//     checks the companion_finish key bundle (a wrong code fails there) and
//     derives the ADV secret as the client does.
//   - Login: <success lid> for a known device whose Noise key matches,
//     <failure reason=401> otherwise (whatsmeow: LoggedOut, store deleted).
//     A second login of the same device replaces the first with a
//     conflict=replaced stream error (whatsmeow: StreamReplaced).
//     Phone.RefuseLogins makes logins fail with any <failure> instead: 402
//     with a ban code and expiry (TemporaryBan), 405 (ClientOutdated), 503
//     (whatsmeow retries)…
//   - After login: prekey count and upload (the uploaded prekeys are the
//     device's bundle, one handed out per bundle request), passive/active,
//     keepalive, usync device lists, LIDs and contact lookups, prekey
//     bundles of phones and devices, media_conn, group info and joined
//     groups (w:g2), logout (remove-companion-device), app state, channel
//     queries (w:mex, newsletter) and status privacy. Every other iq gets
//     an empty result, since whatsmeow waits 75 s for an answer.
//   - Messages typed on a phone (Phone.Send, SendFromPhone and the typed
//     SendText, SendImage, SendVoice, SendAudio, SendVideo, SendDocument,
//     SendSticker, SendLocation, SendContact): encrypted with libsignal by
//     the phone's primary device for every linked device of the recipient,
//     pkmsg until the session exists; from=<number>@s.whatsapp.net with
//     sender_lid and notify (push name). Texts with a link go out as
//     extended text messages. The phone's own linked devices get a copy,
//     as WhatsApp mirrors what the primary device sends: a
//     DeviceSentMessage naming the destination, from the own JID with
//     recipient and peer_recipient_lid (no recipient for "Message
//     yourself", to=own number). A recipient phone records the message
//     (Phone.Received). Group messages use sender keys: a skmsg for every
//     member's linked devices (the sender's own included) plus, for each
//     device that lacks the sender's key, a pairwise message carrying the
//     distribution message; participant and participant_lid name the
//     sender.
//   - LID addressing (PhoneOptions.AddressingLID): the phone's direct
//     messages come from=<lid>@lid with sender_pn (whatsmeow stores the
//     mapping), its mirrored copies name recipients by LID with
//     peer_recipient_pn, and its groups are in LID addressing mode: group
//     info and create notifications list participants by LID with
//     phone_number (creator and subject owner with _pn), messages come
//     with addressing_mode=lid, participant=<lid> and participant_pn.
//     Phone.SetHidePhoneNumber withholds sender_pn and participant_pn, as
//     WhatsApp does for a contact whose number it does not share.
//     usync answers give each phone number's LID (<lid val>) and
//     IsOnWhatsApp lookups ("+<number>@c.us" contacts: jid=<lid>,
//     pn_jid, type in or out).
//   - Edits and revokes (Phone.Edit, Phone.Revoke, Phone.RevokeAsAdmin),
//     as current WhatsApp sends them: a new message whose stanza has
//     edit="1" and whose content is an EditedMessage wrapping a
//     ProtocolMessage MESSAGE_EDIT (key of the original, new content,
//     timestamp); edit="7" with a ProtocolMessage REVOKE whose key is from
//     me; edit="8" for a group admin's revoke of another member's message
//     (key with participant, not from me). The enc elements carry
//     decrypt-fail="hide". They are delivered and mirrored like any
//     message the phone sends.
//   - Status (Phone.PostStatus): a text (ExtendedTextMessage with
//     background and text colors and font) or image status, from
//     status@broadcast with participant and participant_lid naming the
//     poster, encrypted with the poster's sender key for status@broadcast
//     (skmsg, plus the distribution message pairwise where needed), to the
//     linked devices of the contacts it names and of the poster.
//   - Channels (Server.CreateNewsletter, Phone.FollowNewsletter,
//     Newsletter.Post and PostImage): followers' linked devices get a mex
//     notification on follow (events.NewsletterJoin) and each post as a
//     message stanza from <id>@newsletter with server_id and the protobuf
//     in <plaintext> (mediatype for media); channel media is stored
//     unencrypted (no media key). w:mex answers the GraphQL queries for a
//     channel's metadata, the followed channels, follow and unfollow; the
//     newsletter namespace answers a channel's messages and live updates.
//   - Groups: Phone.CreateGroup makes a group (in its creator's addressing
//     mode) and sends
//     every member's devices the w:gp2 create notification (whatsmeow:
//     JoinedGroup).
//   - Messages a linked device sends: the copies for simulated phones
//     (device 0) are decrypted by those phones; the sender's phone records
//     the message with its content (Phone.Sent: type, text or caption, the
//     quoted message of a reply, the edit attribute, the decrypted media),
//     a recipient phone records it as received. The copies for linked
//     devices are passed on as WhatsApp does: to the recipient's devices
//     from the sending device (from=<lid>:<device>@lid with sender_pn when
//     the device addressed the LID, as whatsmeow does, otherwise the phone
//     number with sender_lid), to the sender's other devices with
//     recipient and peer_recipient_pn/lid; in groups every member's linked
//     devices get the sender-key message, preceded by their pairwise copy
//     when the stanza has one. The server acks the stanza.
//   - After linking (with Options.SyncLinkedDevices): once a new device is
//     online for the first time, its phone sends it peer messages
//     (category=peer, from the own JID): an AppStateSyncKeyShare with the account's app state keys, then its
//     history (Phone.SetHistory) as history sync notifications, each a
//     ProtocolMessage HISTORY_SYNC_NOTIFICATION pointing to a
//     zlib-compressed waHistorySync.HistorySync encrypted with the
//     "WhatsApp History Keys" media keys on the media host (whatsmeow
//     downloads it, then deletes it): INITIAL_BOOTSTRAP with every
//     conversation's metadata (name, unread count, archived, pinned, mute,
//     group participants, PN and LID) and its newest messages plus the
//     PN-LID mappings, inline in the notification
//     (initialHistBootstrapInlinePayload) because whatsmeow's DeviceProps
//     accept it; PUSH_NAME; RECENT chunks (the other messages of the last
//     90 days, or the device's recentSyncDaysLimit); FULL chunks of the
//     older ones when the device requires a full sync or the phone was
//     told to (History.FullSync). Chunks carry chunkOrder and progress;
//     messages are WebMessageInfos of any kind, media included, whose
//     files are on the media host (History messages can have expired
//     media, 404 or 410). The phone answers peer requests: app state keys
//     (APP_STATE_SYNC_KEY_REQUEST) and on-demand history
//     (PeerDataOperationRequestMessage HISTORY_SYNC_ON_DEMAND, whatsmeow
//     BuildHistorySyncRequest) with an ON_DEMAND history sync of the
//     chat's messages before the given one, naming the request in
//     peerDataRequestSessionID.
//   - App state (syncd): each account has the five collections
//     (critical_block, critical_unblock_low, regular_low, regular_high,
//     regular), kept as WhatsApp's server keeps them (patches in order, the
//     current records, the LTHash of their value MACs) and written by the
//     phone with its app state key, exactly as whatsmeow verifies:
//     SyncActionData under AES-CBC, value MACs (HMAC-SHA512), index MACs,
//     snapshot and patch MACs from the HKDF "WhatsApp Mutation Keys". A
//     new account starts with its push name and locale, the unarchive
//     setting and primary version, an NCT salt and the primary's
//     features; the phone adds contacts (Phone.SetContactName →
//     events.Contact), the push name (SetPushName → PushNameSetting),
//     archive (which also unpins), pin, mute and mark-as-read (Archive,
//     Pin, Mute, MarkChatAsRead). w:sync:app:state answers a snapshot
//     (the records, with the last patch's snapshot MAC and key, in a blob
//     on the media host encrypted with the "WhatsApp App State Keys" media
//     keys) when asked for one, otherwise the patches after the device's
//     version (500 at most, then has_more_patches); every change sends the
//     account's linked devices a server_sync notification. A linked
//     device's own patch (whatsmeow SendAppState) is applied when based on
//     the current version (the other devices are notified), refused with
//     409 and the missing patches otherwise; Phone.AppState shows the
//     decrypted values. Status privacy queries answer "my contacts", so a
//     linked device posts status to its contacts.
//   - Delivery and the offline queue: every stanza for a device (messages,
//     notifications, receipts) stays queued until the device acknowledges it with a
//     receipt or an ack. A connected, active device gets it at once; on each
//     new connection, after <active/>, the device gets everything still
//     queued (so also what it received but never acknowledged), then
//     <ib><offline count/></ib>.
//   - Traffic: the server records, per linked device, every presence, chat
//     state and receipt stanza it sends (tag, attributes, child tags, the
//     message ids a receipt covers; the latest 512 of each kind) and counts
//     its message stanzas (Server.Traffic, Phone.DeviceTraffic). Receipts
//     are acknowledged (<ack class=receipt>) and passed on as WhatsApp
//     does: delivery (also "inactive"), read and played receipts to the
//     account that sent the message, whose phone records them
//     (Phone.Receipts) and whose linked devices get them as receipt
//     stanzas (whatsmeow: events.Receipt); read-self and played-self to the
//     reader's own phone; sender, peer_msg and hist_sync receipts to the
//     own phone they are addressed to. Chat states go to the linked
//     devices of the chat's other members that are online. A simulated
//     phone sends a delivery receipt for every message that reaches it and
//     read receipts when told (Phone.MarkRead), to the sender's phone and
//     linked devices, and tells its own linked devices what it read.
//   - Unlinking: Phone.Unlink removes every linked device; a connected one
//     gets stream error 401 with conflict=device_removed (whatsmeow:
//     LoggedOut), one that is offline gets <failure reason=401> at its next
//     login.
//
// The server keeps one goroutine per websocket connection (its reader) and
// one timer per unpaired connection; an idle linked device costs its keys,
// the prekeys it uploaded (about 40 bytes each) and its queue. Measured with
// the meow package's TestIdleSessionMemory: about 17 KiB of heap and 8 KiB
// of stack per connected device. A phone costs about 1.3 KiB until its app
// state is first used (a device syncs it or the phone changes it), when
// its five collections are created; traffic records are allocated on a
// device's first stanza.
//
// # Control API over HTTP
//
// All bodies are JSON; errors are {"error": "..."} with 400, 404 (unknown
// phone, group, device, newsletter or media), 409 (phone exists, not a
// group member or admin) or 422 (pairing failed).
//
//	GET  /control/info[?gc=1]                 {addr, rootPublicKey (base64), stats, runtime: {goroutines, heapAlloc, stackInuse, sys}}
//	POST /control/phones                      {number?, pushName?, addressingLid?} → 201 phone
//	GET  /control/phones/{number}             → phone: {number, jid, lid, pushName, devices: [{jid, lid, online, pending}]}
//	POST /control/phones/{number}/scan        {qr} → phone, once the device accepted the pairing
//	POST /control/phones/{number}/pair-code   {code} → phone, once the device accepted the pairing
//	POST /control/phones/{number}/unlink      → phone
//	POST /control/phones/{number}/refuse-logins {reason, code?, expireSeconds?} → phone; reason 0 lets logins through again
//	POST /control/phones/{number}/messages    MessageRequest → {id}
//	POST /control/phones/{number}/groups      {subject, members: [number…]} → {jid}
//	GET  /control/phones/{number}/sent        → {items: [RecordedMessage]}
//	GET  /control/phones/{number}/received    → {items: [RecordedMessage]}
//	POST /control/phones/{number}/read        {ids: [id…]} → 204; the phone reads these received messages (MarkRead)
//	POST /control/phones/{number}/edit        {to, id, text} → {id}
//	POST /control/phones/{number}/revoke      {to, id, sender?} → {id}; with sender, a group admin's revoke of sender's message
//	GET  /control/phones/{number}/receipts    → {items: [Receipt]}
//	GET  /control/devices/{jid}/traffic       → Traffic: {presences, chatStates, receipts: [{tag, attrs, children, ids, time}], messages, dropped}
//	POST /control/phones/{number}/contacts    {number, fullName, firstName?} → 204
//	PUT  /control/phones/{number}/push-name   {pushName} → 204
//	POST /control/phones/{number}/chat-settings {chat, archived?, pinned?, read?, muteUntil? (zero: unmute, before 1970: forever)} → 204
//	GET  /control/phones/{number}/app-state   → {items: [{collection, index, version, value}]}
//	PUT  /control/phones/{number}/history     HistoryRequest → 204; what the phone sends devices linked afterwards
//	POST /control/phones/{number}/status      {text?, data? (image, base64), mimeType?, to: [number…], id?} → {id}
//	POST /control/phones/{number}/newsletters {jid} → 204; the phone follows the channel
//	POST /control/newsletters                 {name, description?} → 201 {jid}
//	POST /control/newsletters/{jid}/posts     {text?, data? (image, base64), mimeType?} → {id}
//	POST /control/media/gone                  {directPath, status: 404|410} → 204; downloads of that file fail with status
//	POST /control/media/expire                → 204; stored media is deleted (downloads get 404)
//
// RecordedMessage: {id, chat, from, device, type, text, quotedId,
// quotedParticipant, targetId, edit, mimeType, fileName, media (base64),
// mediaError, time}.
//
// HistoryRequest: {conversations: [{chat, name, unreadCount, archived,
// pinned, muteEnd, messages: [MessageRequest + {fromMe, from, pushName,
// mediaGone}]}], pushNames: {number: name}, bootstrapMessages, recentDays,
// fullSync, chunkSize}.
//
// MessageRequest: {to, type (text, image, voice, audio, video, document,
// sticker, location, contact), text, caption, data (base64), mimeType,
// fileName, seconds, width, height, latitude, longitude, name, address, url,
// displayName, vcard, id?, time?}.
//
// # What whatsmeow sends by itself
//
// Recorded by TestTrafficAndReceipts, TestHistorySync and TestAppState
// (whatsmeow as pinned in go.mod): a client that the application never
// tells to be available sends, for
// every message it decrypts, a delivery receipt of type "inactive" (to the
// sender, with participant in groups; "sender" for its own account's
// messages, "peer_msg" for peer messages from its phone, plus "hist_sync"
// for history sync notifications), no presence and no chat state. It sends
// read receipts only when told (MarkRead), presence only when told
// (SendPresence, which fails with ErrNoPushName until the device knows its
// push name) and, after SendPresence(available), plain delivery receipts
// (no type). Learning its push name does not make it send presence.
//
// # Known divergences from WhatsApp, and what is not simulated
//
//   - The certificate root is the simulator's own; real clients trust
//     WhatsApp's. Media is served over plain HTTP on the same listener under
//     any host name the client asks for.
//   - Stanzas are simplified to what whatsmeow reads: <success> carries t,
//     lid, display_name and creation only; pair-success names the platform
//     "smbi" with no business name or client props; usync answers omit key
//     index lists, status, pictures and business data; media_conn hands out
//     one host; its auth token (signed, stateless) is checked by uploads
//     and deletes, not by downloads. Uploads are not limited by type or
//     size below 128 MiB and keep no per-file owner.
//   - Refs do not expire one by one: any ref of a pairing is valid while its
//     connection is open (WhatsApp expires each with its QR code).
//   - Options.SyncLinkedDevices is off by default (so in cmd/wasim unless
//     -sync-linked-devices): a newly linked device then gets no key share
//     and no history, as if the phone were offline; it still gets the keys
//     when it asks (after a server_sync notification), once the phone has
//     sent it a message: whatsmeow sends peer messages only over an
//     existing session with its phone, which the phone's first message
//     creates. With it on,
//     whatsmeow (as pinned) has data races that WhatsApp triggers too: its
//     app state goroutine writes Store.PushName, which SendPresence and
//     the meow engine read unsynchronized; a logout (Store.Delete) races
//     with a running app state fetch; go.mau.fi/util's
//     exsync.Event.GetChan races when a disconnect interrupts two iqs.
//     Tests wait for the app state sync (events.AppStateSyncComplete)
//     before such steps.
//   - History sync: how WhatsApp splits history into chunks (by size) and
//     how many messages the bootstrap carries are not known; the
//     simulator cuts by message count (History.BootstrapMessages,
//     ChunkSize) and inlines a bootstrap of up to 512 KiB compressed. The
//     phone's history is what SetHistory gave it, not the messages
//     exchanged since. No INITIAL_STATUS_V3, NON_BLOCKING_DATA or
//     NO_HISTORY syncs, global settings, NCT salt or past participants;
//     placeholder resends, full-history on-demand requests, chunk retries
//     and server-error receipts (re-upload requests) are not answered.
//     The app state key is never rotated.
//   - A simulated phone trusts every identity key, never rotates its signed
//     prekey and creates one-time prekeys on demand.
//   - A phone that cannot decrypt what one of its own linked devices wrote
//     to it sends that device a retry receipt with a fresh prekey bundle,
//     as WhatsApp's phone does, and keeps the resent message once. Retry
//     receipts from linked devices are not answered: a message a device
//     cannot decrypt is acked (as whatsmeow acks it) and lost, where
//     WhatsApp would resend. In their place, when one of the phone's own
//     linked devices starts a new Signal session with it (a pkmsg into
//     "Message yourself"), the phone's next message to that device starts
//     a fresh session too: whatsmeow keys what it sends to its own phone
//     by phone number and what it receives from it by LID, and WhatsApp's
//     phone would recover through the device's retry receipt. What the
//     device writes to its phone meanwhile, in the session the phone left,
//     the phone asks for again (above).
//   - Whether an account uses LID addressing is a per-phone option
//     (PhoneOptions.AddressingLID), not WhatsApp's gradual migration; a
//     group's addressing mode is its creator's and never changes; a phone
//     in LID mode still names chats by phone number in app state.
//   - Phone.Sent and Phone.Received are records kept for tests, not the
//     phone's chat history.
//   - A simulated phone sends a delivery receipt for every message that
//     reaches it and read receipts only when told (Phone.MarkRead); it
//     never sends played receipts, and its read receipts are never
//     suppressed by a privacy setting.
//   - Only group creation is notified; renames, joins, leaves and
//     participant changes are not. No communities, broadcast lists, calls
//     or reactions sent by phones; a group's only admin is its creator.
//     Presence is recorded but never passed on, and presence subscriptions
//     get no answer; retry receipts are recorded but not passed on to the
//     sender's linked devices.
//   - App state: patches are always inline (never external blobs), the
//     key is never rotated, snapshots are cut at the current version with
//     no patches after them, and a linked device's patch is accepted
//     without checking its MACs. A collection that is empty when a device
//     first syncs (the contacts of an account without any) stays at
//     version 0 in whatsmeow, which then full-syncs it when it changes:
//     without events, as whatsmeow does for full syncs. Snapshot blobs stay
//     on the media host until the collection changes.
//   - Status: who sees a status is the list given to PostStatus, not the
//     poster's privacy setting; the status sender key is never rotated
//     when the audience changes (WhatsApp rotates it).
//   - Channels: only the simulator posts (a linked device of the owner
//     cannot); no view counts, reactions, admins, mute, pictures or
//     invite links beyond lookups by invite code; channel metadata is
//     built from whatsmeow's reading of WhatsApp's GraphQL answers.
//   - Nothing is persisted: a restarted simulator has no phones, and a device
//     linked before the restart gets <failure reason=401>.
//   - No rate limits; bans and outdated-client failures happen only when a
//     test asks for them (RefuseLogins), and only at login; keepalives are
//     answered immediately; the server never restarts a stream by itself
//     (no live 503).
package wasim
