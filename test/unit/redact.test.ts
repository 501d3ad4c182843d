import { redactText, redactUrl } from '#shared/util';

describe('redactUrl', () => {
  it('replaces the usersig value and keeps everything else', () => {
    // Prepare
    const url =
      'https://adminapisgp.im.qcloud.com/v4/group_open_http_svc/modify_group_member_info' +
      '?sdkappid=1400000000&identifier=admin&usersig=eJyr*secret-_&random=42&contenttype=json';

    // Act
    const redacted = redactUrl(url);

    // Assess
    expect(redacted).not.toContain('eJyr');
    expect(redacted).toBe(
      'https://adminapisgp.im.qcloud.com/v4/group_open_http_svc/modify_group_member_info' +
        '?sdkappid=1400000000&identifier=admin&usersig=REDACTED&random=42&contenttype=json',
    );
  });

  it('matches the parameter name in any case', () => {
    expect(redactUrl('https://x.test/p?UserSig=abc')).toBe('https://x.test/p?UserSig=REDACTED');
  });

  it('hides the whole query of something that is not a URL', () => {
    expect(redactUrl('/v4/x?usersig=abc&random=1')).toBe('/v4/x?REDACTED');
  });

  it('accepts URL objects', () => {
    expect(redactUrl(new URL('https://x.test/?usersig=abc'))).toBe('https://x.test/?usersig=REDACTED');
  });
});

describe('redactText', () => {
  it('redacts a usersig quoted inside an error message', () => {
    // Prepare
    const message =
      'Request cannot be constructed from a URL that includes credentials: ' +
      'https://u:p@x.test/v4/a?sdkappid=1&usersig=eJyr*se-cr_et&random=7 (and "usersig=abc")';

    // Act & Assess
    expect(redactText(message)).toBe(
      'Request cannot be constructed from a URL that includes credentials: ' +
        'https://u:p@x.test/v4/a?sdkappid=1&usersig=REDACTED&random=7 (and "usersig=REDACTED")',
    );
  });
});
