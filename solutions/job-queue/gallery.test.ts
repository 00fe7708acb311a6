import { proveGallery } from '../../harness/selftest/gallery.ts';

await proveGallery('job-queue');
