// Package license issues, presents, verifies and revokes electronic licences (電子證照) to the
// national standard, GB/T 36901…36906-2018.
//
// Licence types (證照類型, GB/T 36902) are kept by departments and published by the digital
// office, every version kept, as catalogue entries are. A licence is issued from an approved case
// (the case.decided event), by an official directly, or by bulk import of licences issued before;
// each gets a GB/T 36904 identifier (idcode.LicenceID: type code, issuer's credit code, a serial
// the issuer numbers per type, version "001", MOD 37,36 check character) and the GB/T 36903
// metadata.
//
// Every licence is, at once:
//   - a signed machine-readable credential (internal/credential, SM2 or ES256 by the issuing
//     department's "license" key): public claims (identifier, type, issuer, validity) and hidden
//     ones (holder name and code, each face-data field) that the holder discloses one by one;
//   - a PDF with the face data in Chinese, the issuer's seal and a signature pdfsig validates;
//   - entries in the ledger: issued, changed, suspended, revoked, expired — subject
//     "<identifier>#<key id>", so that every licence a key ever signed can be enumerated.
//
// Statuses: valid → suspended → valid (reinstated), valid|suspended → revoked (final), valid →
// superseded when a change issues the next version under a new identifier. A valid licence past
// its validity end reads expired; the expiry sweep tells the ledger once.
//
// Holders (a resident by resident ID, holder code type 111; an enterprise by credit code, 001,
// its owner and agents acting for it) see their licences in the wallet (我的證照), download
// them, present them as a short-lived QR code disclosing chosen fields for a stated purpose
// (用證事由), or authorise a named organisation to fetch one for a period; every use the platform
// sees is recorded and shown to the holder. Annotated copies (加注件) are signed copies for one
// use, with a reason and an expiry.
//
// In approvals (免提交), a submitted case's material that a licence type satisfies is filled from
// the applicant's valid licence of that type, when they consented, verified as any verifier would
// (fill.go, on case.submitted); the holder sees the use. Without a usable licence the material is
// left to the applicant, who is told why.
//
// Verification answers valid / suspended / revoked / expired / forged / not trusted and why, from
// a QR payload, a pasted credential or an uploaded PDF, online or offline from a cached trust list
// and a signed status snapshot (yiwang license verify).
package license
