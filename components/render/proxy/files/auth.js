// API-key check of the qwen-serving front proxy (nginx njs, `js_set $qs_authorized auth.authorized`).
// Compares `Authorization: Bearer <key>` with the key in the file named by $qs_api_key_file
// (tmpfs or a Secret volume; read on every request, so a rotated key needs no reload).
// Constant time: both sides go through HMAC-SHA256 keyed with the expected key and the two
// 32-byte digests are compared with an XOR accumulator over every byte, so how long the check
// takes depends on the length of what the client sent, never on how much of the key it got
// right. Errors name the file, never its content; the key is never logged.
import fs from 'fs';
import crypto from 'crypto';

const BEARER = /^bearer +(\S+) *$/i;

function authorized(r) {
    let expected;
    try {
        expected = fs.readFileSync(r.variables.qs_api_key_file).toString().replace(/\r?\n$/, '');
    } catch (e) {
        r.error('qwen-serving proxy: cannot read the API key file ' + r.variables.qs_api_key_file + ': ' + e.code);
        return '0';
    }
    if (expected.length === 0) {
        r.error('qwen-serving proxy: the API key file ' + r.variables.qs_api_key_file + ' is empty');
        return '0';
    }
    const m = BEARER.exec(r.headersIn.Authorization || '');
    const presented = m ? m[1] : '';
    const a = crypto.createHmac('sha256', expected).update(presented).digest();
    const b = crypto.createHmac('sha256', expected).update(expected).digest();
    let diff = m ? 0 : 1;
    for (let i = 0; i < b.length; i++) {
        diff |= a[i] ^ b[i];
    }
    return diff === 0 ? '1' : '0';
}

export default { authorized };
