import { useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useApi } from '../../components/useApi';
import { ConnectionForm } from './ConnectionForm';
import './connections.css';

/** New connection (`/connections/new`) or edit one (`/connections/:id/edit`); admins only, as the API. */
export default function ConnectionFormPage() {
  const { id } = useParams();
  const existing = useApi((signal) => (id ? unwrap(api.GET('/api/connections/{id}', { params: { path: { id } }, signal })) : Promise.resolve(undefined)), [id]);
  if (id && !existing.data) {
    return (
      <section>
        <h1>Edit connection</h1>
        <ErrorBanner error={existing.error} />
        {existing.loading ? <p className="loading">Loading…</p> : null}
      </section>
    );
  }
  return <ConnectionForm key={id ?? 'new'} original={existing.data} />;
}

