// Package ses encodes, signs, parses and verifies electronic seals (电子印章) and seal signatures
// (电子签章) in the version 4 format of GB/T 38540-2020 "信息安全技术 安全电子签章密码技术规范",
// with SM2 signatures over SM3 (GB/T 32918, GB/T 35276).
//
// It is pure encoding and cryptography: no database, no clock, no network. Keys are any
// crypto.Signer whose public key is SM2 (a software key or a hardware module); certificates are
// DER bytes. Whether a certificate chains to a trusted root, is revoked, or a time-stamp token's
// TSA signature holds is for the callers (internal/pki, internal/tsa): Verify answers whether the
// structures are intact and bound to each other, with one sentinel error per kind of failure.
//
// # The format as written here
//
//	SESeal ::= SEQUENCE {                      -- the seal, made and signed by the seal maker
//	  eSealInfo   SES_SealInfo,
//	  cert        OCTET STRING,                -- the maker's certificate, DER
//	  signAlgID   OBJECT IDENTIFIER,           -- 1.2.156.10197.1.501 SM2-with-SM3
//	  signedValue BIT STRING }                 -- the maker's SM2 signature over DER(eSealInfo)
//	SES_SealInfo ::= SEQUENCE {
//	  header   SES_Header,                     -- { ID IA5String "ES", version INTEGER 4, Vid IA5String }
//	  esID     IA5String,
//	  property SES_ESPropertyInfo,             -- { type, name UTF8String, certListType, certList,
//	                                           --   createDate, validStart, validEnd GeneralizedTime }
//	  picture  SES_ESPictrueInfo,              -- { type IA5String, data OCTET STRING, width, height (mm) }
//	  extDatas ExtensionDatas OPTIONAL }
//	SES_CertList ::= CHOICE { certs SEQUENCE OF OCTET STRING,            -- certListType 1
//	                          certDigestList SEQUENCE OF CertDigestObj } -- certListType 2
//	CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
//	ExtensionDatas ::= SEQUENCE OF SEQUENCE { extnID OBJECT IDENTIFIER,
//	                                          critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
//	SES_Signature ::= SEQUENCE {
//	  toSign         TBS_Sign,
//	  cert           OCTET STRING,             -- the signer's certificate, DER
//	  signatureAlgID OBJECT IDENTIFIER,
//	  signature      BIT STRING,               -- the signer's SM2 signature over DER(toSign)
//	  timeStamp      [0] EXPLICIT BIT STRING OPTIONAL } -- RFC 3161 TimeStampToken over signature
//	TBS_Sign ::= SEQUENCE {
//	  version      INTEGER 4,
//	  eseal        SESeal,
//	  timeInfo     GeneralizedTime,
//	  dataHash     BIT STRING,                 -- SM3 of the signed document
//	  propertyInfo IA5String,                  -- what was signed: at least the protected scope
//	  extDatas     [0] EXPLICIT ExtensionDatas OPTIONAL }
//
// # Readings where the standard's text was not at hand
//
// The full text of GB/T 38540-2020 was not available while this was written; these choices follow
// the standard's ASN.1 as quoted in public transcriptions and the v4 implementations in wide use
// (ofdrw, the OFD readers that verify its output), and are tested here:
//
//   - The seal is flat in v4 (eSealInfo, cert, signAlgID, signedValue). The nested SES_SignInfo
//     { cert, signatureAlgorithm, signData } and the rule "sign SEQUENCE { sealInfo, cert,
//     algorithm }" belong to the older GM/T 0031-2014 (v1/v2) format. In v4 the maker signs the
//     DER of SES_SealInfo alone ("制章者对电子印章格式中印章信息域 SES_SealInfo，按 SEQUENCE 方式
//     组成的信息内容进行数字签名"); Seal.TBS holds exactly those bytes.
//   - SES_SealInfo.extDatas is untagged, TBS_Sign.extDatas and SES_Signature.timeStamp are [0].
//     The standard's module does not say IMPLICIT TAGS, so [0] is read as EXPLICIT (ASN.1's
//     default), as ofdrw writes it.
//   - SM2 signatures are the DER SEQUENCE { r, s } of GB/T 35276, computed over SM3(ZA || M) with
//     the default user id "1234567812345678" (OpenSSL 3 needs -pkeyopt distid:1234567812345678).
//   - The seal type is left to the application by the standard ("可根据业务需要自定义"); Yiwang
//     writes 1 for an organisation seal (单位印章) and 2 for a personal seal (个人印章) and reads
//     any value.
//   - A certificate digest (certListType 2) is checked when its type names SM3 ("SM3" or the OID
//     1.2.156.10197.1.401); other digest types never match.
//   - The time-stamp token is over the signature value (the BIT STRING's bytes): Verify checks
//     that the token's message imprint is SM3 or SHA-256 of that value.
//   - An extension marked critical is not understood by this package, so Verify fails it
//     (ErrCriticalExtension), as X.509 does.
//   - Parsing is strict DER: trailing bytes, extra elements, UTCTime where GeneralizedTime is
//     due, non-UTC times, an inverted validity period, a header other than "ES" version 4 are all
//     ErrMalformed.
package ses
