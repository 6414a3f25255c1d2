// The Octokit adapter passes the GitHub ports' conformance suite, at a github.com-style API root and at an
// Enterprise-style one (`/api/v3`), against the stand-in. Its own messages and settings are in
// octokitGitHub.test.ts.
import { OctokitGitHub } from '../../src/node/github/octokitGitHub.ts';
import { githubConformance } from '../conformance/githubConformance.ts';

githubConformance('OctokitGitHub', ({ baseUrl, token }) => new OctokitGitHub({ baseUrl, token }));
githubConformance(
  'OctokitGitHub (Enterprise API root)',
  ({ baseUrl, token }) => new OctokitGitHub({ baseUrl: `${baseUrl}/api/v3/`, token }),
);
